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
#    (README, "Which section decides": the requested URL's section; Fetch:
#    the preflight decides whether the actual request is sent at all).
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
EOF2

plan tests => 6, need_module('cors');

my $h = CorsHttpd->new(name => 'review', modules => [qw(cors rewrite mime)],
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
$h->stop;
