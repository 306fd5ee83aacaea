use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsHttpd;
use Time::HiRes ();

# Tests for behaviour issue 9 promised but no test pinned: each one passes
# with the current mod_cors.c and fails with a deliberately broken copy that
# the rest of the suite let through (the mutation is named per block).

plan tests => 11, need_module('cors');

# ---- IPv6 serialisation as browsers do it (WHATWG URL). Exact origins are
# compared after both sides went through the same serialiser, so only a
# CorsOriginsMatch regex, which sees the serialised form, shows it.
# Mutations: a single zero group compressed ("1::2:..."), the last longest
# run compressed instead of the first.
my $h = CorsHttpd->new(name => 'review_gaps', modules => [qw(cors mime)],
                       config => <<'EOC');
<Directory "@DocumentRoot@/review">
    AllowOverride FileInfo
</Directory>
<Location /review/v6a/>
    Cors On
    CorsOriginsMatch "http://\[1:0:2:3:4:5:6:7\]"
</Location>
<Location /review/v6b/>
    Cors On
    CorsOriginsMatch "https://\[2001:db8::1:0:0:1\]"
</Location>
EOC
$h->start;
for my $c (['/review/v6a/', 'http://[1:0:2:3:4:5:6:7]'],
           ['/review/v6b/', 'https://[2001:db8::1:0:0:1]']) {
    my ($path, $origin) = @$c;
    my $res = cors_request(GET => $h->url($path), $origin);
    is_deeply [header_values($res, $ACAO)], [$origin],
        "CorsOriginsMatch sees $origin as browsers write it";
}

# ---- .htaccess warnings stay quiet: read on every request, they would
# flood the error log. Mutation: cors_warn() also in .htaccess.
my $mark = $h->error_log_mark;
my $res = cors_request(GET => $h->url('/review/htwarn/f.txt'), 'https://a.example');
is_deeply [header_values($res, $ACAO)], ['https://a.example'], '.htaccess policy in force';
unlike $h->error_log_since($mark), qr/mod_cors: warning/,
    '.htaccess: no startup warning written at request time';
$h->stop;

# ---- The static check merges a section over the top level it inherits
# from, in both directions (docs/directives.md, CorsSupportsCredentials).
# Mutation: the origin policy taken from the section itself instead of the
# merge.
like config_error("Cors On\nCorsOrigins null\n<Location /api>\n"
                  . "CorsSupportsCredentials On\n</Location>"),
    qr/mod_cors: error: .*CorsSupportsCredentials On in <Location \/api> .*'null'/,
    'credentials in a <Location>, CorsOrigins null at server level: refused';
like config_error("<VirtualHost 127.0.0.1:1>\nCors On\nCorsOrigins *\n"
                  . "<Location /api>\nCorsSupportsCredentials On\n</Location>\n"
                  . "</VirtualHost>"),
    qr/mod_cors: error: .*CorsSupportsCredentials On in <Location \/api> .*any origin/,
    'credentials in a <Location>, CorsOrigins * in its virtual host: refused';

# ---- A warning of the whole-config check is said once, though every
# virtual host repeats the main server's sections. Mutation: no de-duplication.
my ($ok, $out) = config_check("<Location /c>\nCorsOrigins http://d.example\n"
    . "CorsSupportsCredentials On\n</Location>\n"
    . "<VirtualHost 127.0.0.1:1>\nServerName a\n</VirtualHost>\n"
    . "<VirtualHost 127.0.0.1:1>\nServerName b\n</VirtualHost>");
ok $ok, 'http:// origin with credentials, two vhosts: accepted';
my $n = () = $out =~ /unencrypted origin http:\/\/d\.example/g;
is $n, 1, '... and warned about once' or diag $out;

# ---- In the foreground (containers: httpd -DFOREGROUND, ErrorLog
# /dev/stderr), the console sees both configuration reads of a start;
# with -k start the second one goes to /dev/null after the detach, which
# is why t/defects_startup.t cannot tell. Mutation: say on both reads.
my $f = CorsHttpd->new(name => 'review_fg', config => "Cors On\nCorsMaxAge 90000\n");
$f->start;   # writes the config and finds a port
$f->stop;
my $console = $f->dir . '/console';
my $fmark = $f->error_log_mark;
my $pid = fork // die "fork: $!";
if (!$pid) {
    open STDOUT, '>', $console or die;
    open STDERR, '>&', \*STDOUT or die;
    exec Apache::Test::vars()->{httpd}, '-f', $f->conf_file, '-DFOREGROUND'
        or die "exec: $!";
}
my $until = Time::HiRes::time() + 20;
Time::HiRes::sleep(0.1)
    while $f->error_log_since($fmark) !~ /resuming normal operations/s
          && Time::HiRes::time() < $until;
like $f->error_log_since($fmark), qr/resuming normal operations/, 'foreground httpd started';
kill 'TERM', $pid;
waitpid $pid, 0;
my $text = do { local (@ARGV, $/) = $console; <> } // '';
$n = () = $text =~ /^mod_cors: warning: .*CorsMaxAge/mg;
is $n, 1, 'foreground start: the warning on the console once' or diag $text;
unlike $f->error_log_since($fmark), qr/mod_cors: warning/,
    'foreground start: not repeated in the error log by the second read';
