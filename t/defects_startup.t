# Issue 9, item 7: startup warnings, wherever the directive is, reach the
# console once when httpd starts (it reads its configuration twice), in
# mod_cors's one format, and the error log once per graceful restart.
# `apache2 -t` is covered by t/config.t.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsHttpd;

plan tests => 15, need_module('cors');

my @warnings = (
    [ 'CorsOrigins null',           qr/CorsOrigins: 'null' is the origin/ ],
    [ 'CorsMaxAge 86400',           qr/CorsMaxAge: Chromium caches/ ],
    [ 'CorsOriginsMatch bare dot',  qr/CorsOriginsMatch: the '\.' in 'https:\/\/a\.b\\\.example'/ ],
    [ 'credentials + http:// origin', qr{unencrypted origin http://c\.example} ],
);
my $h = CorsHttpd->new(name => 'defects_startup', config => <<'CONF');
<VirtualHost 127.0.0.1:*>
    ServerName v.example
    Cors On
    CorsOrigins null
    CorsMaxAge 86400
    <Location /v>
        CorsOriginsMatch "https://a.b\.example"
    </Location>
    <Location /c>
        CorsOrigins http://c.example
        CorsSupportsCredentials On
    </Location>
</VirtualHost>
CONF
$h->start;
my $console = $h->start_output;
for my $w (@warnings) {
    my ($name, $re) = @$w;
    my $n = () = $console =~ /^mod_cors: warning: \S+httpd\.conf:\d+: .*$re/mg;
    is $n, 1, "start: '$name' on the console once, in the mod_cors format";
}
my @lines = grep { /cors/i } split /\n/, $console;
is scalar(@lines), scalar(@warnings), 'start: nothing else from mod_cors on the console';
unlike $h->error_log, qr/mod_cors: warning/, 'start: the warnings are not repeated in the error log';

my $mark = $h->error_log_mark;
$h->graceful;
my $log = $h->error_log_since($mark);
for my $w (@warnings) {
    my ($name, $re) = @$w;
    my $n = () = $log =~ /^mod_cors: warning: \S+httpd\.conf:\d+: .*$re/mg;
    is $n, 1, "graceful restart: '$name' in the error log once";
}
like $log, qr/resuming normal operations/, 'graceful restart: the server came back';
unlike $log, qr/\\\\/, 'graceful restart: no doubled backslash';

# The answer inside the virtual host is not affected by the warnings.
my $res = cors_request(GET => $h->url('/c/'), 'http://c.example');
is_deeply [header_values($res, $ACAC)], ['true'], 'credentials granted to the listed origin';
$res = cors_request(GET => $h->url('/v/'), 'null');
is_deeply [cors_lines($res)], [], '/v: null not allowed there (CorsOriginsMatch replaced the policy)';
$h->stop;
ok 1, 'stopped';
