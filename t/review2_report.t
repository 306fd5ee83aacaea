use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsHttpd;
use Time::HiRes ();

# Review 2 of issue 10, part 4: Cors ReportOnly compares the browser's
# verdict on the response's own CORS headers with its verdict on what
# Cors On would send. Checks of the Fetch standard that nothing in
# t/ops_report.t exercises (mutations that drop each passed the suite):
#   - two Access-Control-Allow-Origin lines (a backend's and a recipe's):
#     the browser refuses the response, even if both name the origin;
#   - Access-Control-Allow-Private-Network missing on a preflight that
#     asked for it;
#   - Access-Control-Allow-Methods compared byte for byte: 'PATCH' does not
#     cover a script's 'patch' (Fetch upper-cases only DELETE, GET, HEAD,
#     OPTIONS, POST and PUT);
#   - Access-Control-Allow-Origin compared byte for byte with the Origin
#     (a recipe that writes the host in capitals lets no one read);
#   - a CORS-safelisted method (GET, HEAD, POST) passes unlisted.
# Each with a control request whose verdicts agree.

my @MODULES = qw(headers rewrite mime);
plan tests => 9, need_module('cors');

my $A = 'https://a.example';
my $config = <<"EOF2";
LogFormat "%m %U%q %>s %{cors}n %{cors-report}n" notes
CustomLog "\@LogDir\@/notes_log" notes
<Location /review2/two/>
    Header always add Access-Control-Allow-Origin "$A"
    Header always add Access-Control-Allow-Origin "$A"
    Cors ReportOnly
    CorsOrigins $A
</Location>
<Location /review2/case/>
    Header always set Access-Control-Allow-Origin "https://A.example"
    Cors ReportOnly
    CorsOrigins $A
</Location>
<Directory "\@DocumentRoot\@/review2/pn">
    Header always set Access-Control-Allow-Origin "$A"
    Header always set Access-Control-Allow-Methods "PUT"
    RewriteEngine On
    RewriteCond %{REQUEST_METHOD} OPTIONS
    RewriteRule ^ - [R=204,L]
</Directory>
<Location /review2/pn/>
    Cors ReportOnly
    CorsOrigins $A
    CorsMethods PUT
    CorsAllowPrivateNetwork On
</Location>
<Directory "\@DocumentRoot\@/review2/meth">
    Header always set Access-Control-Allow-Origin "$A"
    Header always set Access-Control-Allow-Methods "PATCH"
    Header always set Access-Control-Allow-Headers "x-custom"
    RewriteEngine On
    RewriteCond %{REQUEST_METHOD} OPTIONS
    RewriteRule ^ - [R=204,L]
</Directory>
<Location /review2/meth/>
    Cors ReportOnly
    CorsOrigins $A
    CorsMethods *
</Location>
EOF2

my $h = CorsHttpd->new(name => 'review2_report',
                       modules => ['cors', @MODULES], config => $config);
$h->start;

my $n = 0;
sub report_of {
    my ($code) = @_;
    my $tok = ++$n;
    $code->("?t=$tok");
    for (1 .. 50) {
        if (open my $fh, '<', $h->dir . '/notes_log') {
            for (<$fh>) {
                chomp;
                my @f = split / /;
                return "$f[3] $f[4]" if $f[1] =~ /[?&]t=$tok$/;
            }
        }
        Time::HiRes::sleep(0.1);
    }
    return 'not logged';
}

is report_of(sub { cors_request(GET => $h->url("/review2/two/f.txt$_[0]"), $A) }),
    'allowed differs',
    'two Access-Control-Allow-Origin lines: the browser refuses, Cors On '
    . 'would not: differs';
is report_of(sub { cors_request(GET => $h->url("/review2/two/f.txt$_[0]"),
                                'https://evil.example') }),
    'refused-origin same', '... control: an origin both refuse: same';

is report_of(sub { preflight($h->url("/review2/pn/f.txt$_[0]"), $A, 'PUT',
                             undef,
                             'Access-Control-Request-Private-Network' => 'true') }),
    'preflight-allowed differs',
    'private network preflight without Access-Control-Allow-Private-Network '
    . 'in the response: differs';
is report_of(sub { preflight($h->url("/review2/pn/f.txt$_[0]"), $A, 'PUT') }),
    'preflight-allowed same', '... control: no private network asked: same';

is report_of(sub { preflight($h->url("/review2/meth/f.txt$_[0]"), $A, 'patch') }),
    'preflight-allowed differs',
    "a preflight for 'patch' answered 'PATCH': the browser refuses, Cors On "
    . "(CorsMethods *) would echo it: differs";
is report_of(sub { preflight($h->url("/review2/meth/f.txt$_[0]"), $A, 'PATCH') }),
    'preflight-allowed same', "... control: 'PATCH': same";
is report_of(sub { preflight($h->url("/review2/meth/f.txt$_[0]"), $A, "POST",
                             "x-custom") }),
    "preflight-allowed same",
    "a preflight for POST (safelisted) answered PATCH only: the browser "
    . "lets it through without listing it: same";

is report_of(sub { cors_request(GET => $h->url("/review2/case/f.txt$_[0]"), $A) }),
    "allowed differs",
    "Access-Control-Allow-Origin: https://A.example for Origin $A: the browser "
    . "refuses (byte for byte), Cors On would not: differs";

my $log = $h->error_log;
like $log, qr/report-only: .*several Access-Control-Allow-Origin/,
    'the debug line says why (several Access-Control-Allow-Origin lines)';
$h->stop;
