use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsHttpd;
use CorsOps;
use Time::HiRes ();

# Review 2 of issue 10, part 1: "after an internal redirect or an
# ErrorDocument [the value] is on the final request of the chain, the one
# %{cors}n reads ... Each client request is counted once". The one chain
# where an earlier request has decided already: CorsProtect refuses in
# header_parser (noted and counted there), then a local ErrorDocument runs
# and its response passes the CORS filter. Its last request must carry
# the refusal's notes, and nothing is counted twice. Also the
# refused-cross-origin and refused-websocket counters and notes, and
# CorsProtect under Cors ReportOnly (noted, counted, let through).
# Nothing else in t/ exercises these (mutations of cors_account() that drop
# the notes' copy or count every request of the chain passed the suite).

my @MODULES = qw(status mime);
plan tests => 14, need_module('cors');

my $A    = 'https://a.example';
my $EVIL = 'https://evil.example';

my $config = <<"EOF";
ServerName localhost:\@Port\@
LogFormat "%<m %<U%<q %>s %{cors}n \\"%{cors-origin}n\\"" notes
CustomLog "\@LogDir\@/notes_log" notes
<Location /server-status>
    SetHandler server-status
</Location>
<Location /review2/api/>
    Cors On
    CorsOrigins $A
    CorsProtect On
    ErrorDocument 403 /review2/errdoc/403.html
</Location>
<Location /review2/errdoc/>
    Cors On
    CorsOrigins https://e.example
</Location>
<Location /review2/report/>
    Cors ReportOnly
    CorsOrigins $A
    CorsProtect On
</Location>
EOF

my $h = CorsHttpd->new(name => 'review2_chain', modules => ['cors', @MODULES],
                       config => $config);
$h->start;
my $AUTO = $h->url('/server-status?auto');

my $n = 0;
sub logged {
    my ($tok) = @_;
    for (1 .. 50) {
        if (open my $fh, '<', $h->dir . '/notes_log') {
            for (<$fh>) {
                return [split / /, $_, 5] if /[?&]t=\Q$tok\E /;
            }
        }
        Time::HiRes::sleep(0.1);
    }
    return [];
}
sub delta {
    my ($code) = @_;
    my $before = auto_counts($AUTO);
    my $res = $code->();
    my $after = auto_counts($AUTO);
    my %d = map { $after->{$_} != $before->{$_}
                  ? ($_ => $after->{$_} - $before->{$_}) : () } keys %$after;
    return ($res, \%d);
}

# A cross-site POST from an untrusted origin: 403, the ErrorDocument.
{
    my $tok = ++$n;
    my ($res, $d) = delta(sub {
        cors_request(POST => $h->url("/review2/api/f.txt?t=$tok"), $EVIL,
                     'Sec-Fetch-Site' => 'cross-site', Content => 'x=1') });
    is $res->code, 403, 'CorsProtect, ErrorDocument 403: 403';
    like $res->content, qr/the 403 page/, '... the ErrorDocument served it';
    my $l = logged($tok);
    is $l->[3], 'refused-cross-origin',
        '... %{cors}n (the final request) logs refused-cross-origin';
    is $l->[4], qq{"$EVIL"\n}, '... %{cors-origin}n the Origin judged';
    is_deeply $d, { CorsRefusedCrossOrigin => 1 },
        '... counted once, as refused-cross-origin only';
}

# A WebSocket handshake from an untrusted origin.
{
    my $tok = ++$n;
    my ($res, $d) = delta(sub {
        cors_request(GET => $h->url("/review2/api/f.txt?t=$tok"), $EVIL,
                     Upgrade => 'websocket', Connection => 'Upgrade',
                     'Sec-Fetch-Site' => 'cross-site') });
    is $res->code, 403, 'CorsProtect, WebSocket handshake: 403';
    is logged($tok)->[3], 'refused-websocket', '... %{cors}n refused-websocket';
    is_deeply $d, { CorsRefusedWebsocket => 1 }, '... counted once';
}

# Cors ReportOnly: let through, noted and counted.
{
    my $tok = ++$n;
    my ($res, $d) = delta(sub {
        cors_request(POST => $h->url("/review2/report/f.txt?t=$tok"), $EVIL,
                     'Sec-Fetch-Site' => 'cross-site', Content => 'x=1') });
    isnt $res->code, 403, 'CorsProtect under Cors ReportOnly: not refused';
    ok !grep({ /^Access-Control-|^CORS-Decision$/i } $res->header_field_names),
        '... no CORS header added';
    is logged($tok)->[3], 'refused-cross-origin',
        '... %{cors}n refused-cross-origin';
    is_deeply $d, { CorsRefusedCrossOrigin => 1 }, '... counted once';
}

# A full restart clears every counter, CorsReportDiffers too.
{
    my $tok = ++$n;
    my ($res, $d) = delta(sub {
        cors_request(GET => $h->url("/review2/report/f.txt?t=$tok"), $A) });
    is_deeply $d, { CorsAllowed => 1, CorsReportDiffers => 1 },
        "report-only, no CORS header in the response: allowed, differs";
    $h->restart;
    my $after = auto_counts($AUTO);
    is_deeply [grep { $after->{$_} } sort keys %$after], [],
        "-k restart: every Cors* line of ?auto is 0, CorsReportDiffers too";
}

$h->stop;
