use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsHttpd;

# Defects found by review after issue 9. Private server, so that each case
# has exactly the config it describes.

die "t/review.t: mod_rewrite.so is missing\n"
    unless CorsHttpd::have_module('rewrite');

my $ORIGIN = 'https://a.example';

# 1. `Cors Off` at the requested URL must decide the preflight too. A
#    front-controller .htaccess (the usual PHP set-up) rewrites every
#    missing file to index.txt, an internal redirect whose target is in the
#    Cors On section: the preflight must not be granted by the target's
#    section while the actual request (rightly) gets nothing. Otherwise the
#    browser sends the credentialed PUT the admin switched CORS off for
#    (docs/how-it-works.md, "Which section decides": the requested URL's
#    section; Fetch: the preflight decides whether the actual request is
#    sent at all).
my $CONFIG = <<'EOF2';
<Directory "@DocumentRoot@/review">
    AllowOverride FileInfo
    Cors On
    CorsOrigins https://a.example
    CorsSupportsCredentials On
</Directory>
<Location /review/app/admin>
    Cors Off
</Location>
# 2. Per-directory Redirect / RedirectMatch (case 2 below).
<Location /review/loc/>
    Redirect 302 /review/loc/f.txt /review/app/index.txt
</Location>
<Directory "@DocumentRoot@/review/dir">
    RedirectMatch 301 ^/review/dir/(.*)$ /review/app/$1
</Directory>
EOF2

plan tests => 11, need_module('cors');

my $h = CorsHttpd->new(name => 'review', modules => [qw(cors rewrite alias mime)],
                       config => $CONFIG);
$h->start;

# Control: the requested URL's section is Cors On, the preflight is granted.
my $res = preflight($h->url('/review/app/users/1'), $ORIGIN, 'PUT');
is $res->code, 204, 'control: preflight in the Cors On section: 204';
is scalar $res->header($ACAO), $ORIGIN, 'control: preflight granted';

# The actual request under Cors Off gets nothing: the rewrite works.
$res = cors_request(GET => $h->url('/review/app/admin/users/1'), $ORIGIN);
like $res->content, qr/review app front/, 'Cors Off URL: rewritten to the front controller';
is_deeply [cors_lines($res)], [], 'Cors Off URL: GET gets no Access-Control-* header';

# The defect: the preflight is granted by the rewrite target's section.
$res = preflight($h->url('/review/app/admin/users/1'), $ORIGIN, 'PUT');
is_deeply [cors_lines($res)], [],
    'Cors Off URL: preflight gets no Access-Control-* header either'
    or diag $res->as_string;
ok !$res->header($ACAC), 'Cors Off URL: no credentials granted to the preflight';

# 2. docs/how-it-works.md ("A few things act before mod_cors's answer,
#    whatever the LoadModule order: Redirect/RedirectMatch (also inside a
#    <Location>)"):
#    a preflight they redirect fails in the browser. True only for the
#    one-argument `Redirect` of a <Location> (mod_alias's translate hook);
#    the two-argument form in a <Location>, and any Redirect/RedirectMatch in
#    a <Directory> or .htaccess, run in mod_alias's fixups hook (MIDDLE),
#    after mod_cors has answered the preflight 204. The actual request is
#    redirected, so the rule is in force; the preflight is not. Either the
#    order or the manual is wrong; this test holds the manual's promise,
#    the same one t/order_rewrite.t holds for per-directory [R].
for my $c (['<Location> Redirect 302 path URL', '/review/loc/f.txt', 302],
           ['<Directory> RedirectMatch 301', '/review/dir/f.txt', 301]) {
    my ($name, $path, $code) = @$c;
    $res = cors_request(GET => $h->url($path), $ORIGIN);
    is $res->code, $code, "$name: the actual request is redirected ($code)";
    $res = preflight($h->url($path), $ORIGIN, 'PUT');
    is $res->code, $code,
        "$name: so is the preflight, as docs/how-it-works.md says"
        or diag $res->as_string;
}
$h->stop;

# 3. A shared snippet Included into several virtual hosts (the usual way to
#    give many vhosts one CORS policy) is one directive at one FILE:LINE,
#    read once per vhost. Issue 9, item 7: every warning reaches the console
#    once ("say the same thing once"); here the identical line is printed
#    once per Include (N vhosts: N copies).
{
    my $snippet = Apache::Test::vars()->{t_logs} . '/review_snippet.conf';
    open my $fh, '>', $snippet or die "$snippet: $!";
    print $fh "Cors On\nCorsMaxAge 90000\n";
    close $fh;
    my $i = CorsHttpd->new(name => 'review_include', config => <<"EOC");
<VirtualHost 127.0.0.1:*>
    ServerName one.example
    Include $snippet
</VirtualHost>
<VirtualHost 127.0.0.1:*>
    ServerName two.example
    Include $snippet
</VirtualHost>
EOC
    $i->start;
    my $out = $i->start_output;
    $i->stop;
    my $n = () = $out =~ /^mod_cors: warning: \Q$snippet\E:2: CorsMaxAge/mg;
    is $n, 1, 'a snippet Included in two vhosts: its warning printed once'
        or diag $out;
}
