# Area "resp": responses whose producer (CGI, mod_headers, a proxied
# backend) sets its own CORS or Vary headers (config: t/conf/resp.conf.in).
# CorsPreserveBackendHeaders Off (default): mod_cors's answer replaces them,
# exactly one ACAO line. On: a backend ACAO is kept as is.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use File::Spec::Functions qw(catfile);
use Time::HiRes qw(sleep);

plan tests => 65, need_module('cors');

my $A    = 'https://a.example';
my $EVIL = 'https://evil.example';

my $res;

# --- CGI printing ACAO *, ACAC true, ACEH X-Backend: replaced by mod_cors.
$res = cors_request(GET => '/resp/cgi/resp_echo.cgi?cors', $A);
is $res->code, 200, 'CGI with own CORS: 200';
is $res->header('X-Backend'), 'cgi', 'CGI with own CORS: the script ran';
is_deeply [header_values($res, $ACAO)], [$A], 'CGI with own CORS: exactly one ACAO, mod_cors\'s';
is scalar(header_values($res, $ACAC)), 0, 'CGI with own CORS: backend ACAC removed (credentials off)';
is scalar(header_values($res, $ACEH)), 0, 'CGI with own CORS: backend ACEH removed (none configured)';

$res = cors_request(GET => '/resp/cgi/resp_echo.cgi?cors', $EVIL);
is $res->header('X-Backend'), 'cgi', 'CGI with own CORS, refused origin: the script ran';
is_deeply [cors_lines($res)], [], 'CGI with own CORS, refused origin: no Access-Control-* left';
is vary_origin($res), 1, 'CGI with own CORS, refused origin: Vary: Origin';

$res = cors_request(GET => '/resp/cgi/resp_echo.cgi?cors-origin', $A);
is_deeply [header_values($res, $ACAO)], [$A], 'CGI with ACAO https://cgi.example: replaced by mod_cors\'s';

# --- Preflight to the CGI is answered by mod_cors, the script never runs.
$res = preflight('/resp/cgi/resp_echo.cgi?cors', $A, 'PUT');
is $res->code, 204, 'CGI preflight: 204';
is scalar(header_values($res, 'X-Backend')), 0, 'CGI preflight: script not run';
is_deeply [header_values($res, $ACAO)], [$A], 'CGI preflight: one ACAO';

# --- Vary from the CGI merged with Origin: one Vary line, both tokens, Origin once.
$res = cors_request(GET => '/resp/cgi/resp_echo.cgi?vary', $A);
is scalar(header_values($res, 'Vary')), 1, 'CGI Vary: one Vary line';
is_deeply [sort map { lc } header_tokens($res, 'Vary')], ['accept-encoding', 'origin'],
    'CGI Vary: Accept-Encoding and Origin';
$res = cors_request(GET => '/resp/cgi/resp_echo.cgi?vary', $EVIL);
is_deeply [sort map { lc } header_tokens($res, 'Vary')], ['accept-encoding', 'origin'],
    'CGI Vary, refused origin: Accept-Encoding and Origin';
$res = cors_request(GET => '/resp/cgi/resp_echo.cgi?vary-origin', $A);
is scalar(header_values($res, 'Vary')), 1, 'CGI Vary with Origin already: one Vary line';
is vary_origin($res), 1, 'CGI Vary with Origin already: Origin once';
ok scalar(grep { lc eq 'accept-encoding' } header_tokens($res, 'Vary')),
    'CGI Vary with Origin already: Accept-Encoding kept';

# --- CorsPreserveBackendHeaders On with a CGI: its CORS headers kept as they are.
$res = cors_request(GET => '/resp/cgi-keep/resp_echo.cgi?cors', $A);
is_deeply [header_values($res, $ACAO)], ['*'], 'preserve, CGI ACAO: kept, one line';
is_deeply [header_values($res, $ACAC)], ['true'], 'preserve, CGI ACAC: kept';
is_deeply [header_values($res, $ACEH)], ['X-Backend'], 'preserve, CGI ACEH: kept';
is vary_origin($res), 1, 'preserve, CGI: Vary: Origin';
$res = cors_request(GET => '/resp/cgi-keep/resp_echo.cgi?cors', $EVIL);
is_deeply [header_values($res, $ACAO)], ['*'], 'preserve, CGI ACAO, refused origin: kept as is';
# ...and where the CGI sets none, mod_cors adds its own.
$res = cors_request(GET => '/resp/cgi-keep/resp_echo.cgi', $A);
is_deeply [header_values($res, $ACAO)], [$A], 'preserve, CGI without ACAO: mod_cors\'s ACAO';
$res = cors_request(GET => '/resp/cgi-keep/resp_echo.cgi', $EVIL);
is_deeply [cors_lines($res)], [], 'preserve, CGI without ACAO, refused origin: none';

# --- Header set / Header always set in the same Location: mod_cors's answer wins.
$res = cors_request(GET => '/resp/hdr/file.txt', $A);
is $res->code, 200, 'Header set: 200';
is_deeply [header_values($res, $ACAO)], [$A], 'Header set + always set: exactly one ACAO, mod_cors\'s';
is scalar(header_values($res, $ACAC)), 0, 'Header always set ACAC: removed (credentials off)';
is scalar(header_values($res, $ACEH)), 0, 'Header set ACEH: removed (none configured)';
is scalar(header_values($res, $ACAM)), 0, 'Header always set ACAM: removed on actual requests';
is_deeply [map { [sort map { lc } split /\s*,\s*/] } header_values($res, 'Vary')],
    [['accept-language', 'origin']], 'Header set Vary: one Vary line, Accept-Language and Origin';

$res = cors_request(GET => '/resp/hdr/file.txt', $EVIL);
is_deeply [cors_lines($res)], [], 'Header set, refused origin: no Access-Control-* left';
is vary_origin($res), 1, 'Header set, refused origin: Vary: Origin';

$res = cors_request(GET => '/resp/hdr/missing.txt', $A);
is $res->code, 404, 'Header always set, 404';
is_deeply [header_values($res, $ACAO)], [$A], 'Header always set, 404: exactly one ACAO, mod_cors\'s';
is scalar(header_values($res, $ACAC)), 0, 'Header always set, 404: no ACAC';
$res = cors_request(GET => '/resp/hdr/missing.txt', $EVIL);
is_deeply [cors_lines($res)], [], 'Header always set, 404, refused origin: no Access-Control-* left';

$res = preflight('/resp/hdr/file.txt', $A, 'DELETE');
is_deeply [header_values($res, $ACAO)], [$A], 'Header set, preflight: one ACAO, mod_cors\'s';
is_deeply [header_values($res, $ACAM)], ['GET, HEAD, POST, OPTIONS, PUT, PATCH, DELETE'],
    'Header set, preflight: one ACAM, mod_cors\'s';
$res = preflight('/resp/hdr/file.txt', $EVIL, 'DELETE');
is_deeply [cors_lines($res)], [], 'Header set, preflight, refused origin: none';

# --- mod_proxy to the resp_backend vhost, which sets its own ACAO.
# The backend directly (to show what it sends).
my $backend = 'http://' . Apache::Test::config()->{vhosts}{resp_backend}{hostport};
$res = cors_request(GET => "$backend/resp/backend/acao/file.txt", $A);
is_deeply [header_values($res, $ACAO)], ['https://from-backend.example'],
    'backend directly: its own ACAO';

$res = cors_request(GET => '/resp/proxy/acao/file.txt', $A);
is $res->code, 200, 'proxy: 200';
is $res->header('X-Resp-Backend'), 'yes', 'proxy: answered by the backend';
is_deeply [header_values($res, $ACAO)], [$A], 'proxy: exactly one ACAO, mod_cors\'s';
is scalar(header_values($res, $ACAC)), 0, 'proxy: backend ACAC removed';
is scalar(header_values($res, $ACEH)), 0, 'proxy: backend ACEH removed';
is scalar(header_values($res, $ACAM)), 0, 'proxy: backend ACAM removed';
is_deeply [map { [sort map { lc } split /\s*,\s*/] } header_values($res, 'Vary')],
    [['accept-language', 'origin']], 'proxy: backend Vary merged, one line, Origin once';

$res = cors_request(GET => '/resp/proxy/acao/file.txt', $EVIL);
is $res->header('X-Resp-Backend'), 'yes', 'proxy, refused origin: answered by the backend';
is_deeply [cors_lines($res)], [], 'proxy, refused origin: no Access-Control-* left';
is vary_origin($res), 1, 'proxy, refused origin: Vary: Origin';

$res = cors_request(GET => '/resp/proxy/acao/missing.txt', $A);
is $res->code, 404, 'proxy, backend 404: 404';
is_deeply [header_values($res, $ACAO)], [$A], 'proxy, backend 404: exactly one ACAO, mod_cors\'s';

# Preflight through the proxy: answered by mod_cors, never reaches the backend.
my $log = catfile(Apache::Test::vars('t_logs'), 'resp_backend_log');
my $marker = "/resp/backend/plain/file.txt?marker=$$";
my $mark = -s $log || 0;    # the log survives earlier runs: read only what follows
$res = preflight('/resp/proxy/acao/file.txt', $A, 'PUT', 'X-Custom');
is $res->code, 204, 'proxy preflight: 204';
is scalar(header_values($res, 'X-Resp-Backend')), 0, 'proxy preflight: no backend marker';
is_deeply [header_values($res, $ACAO)], [$A], 'proxy preflight: one ACAO, mod_cors\'s';
is_deeply [header_values($res, $ACAM)], ['GET, HEAD, POST, OPTIONS, PUT, PATCH, DELETE'],
    'proxy preflight: mod_cors\'s ACAM';
# A GET afterwards reaches the backend; once its log line is there, the
# backend log must hold no OPTIONS since the preflight.
cors_request(GET => "/resp/proxy/plain/file.txt?marker=$$", $A);
my $text = '';
for (1 .. 50) {
    $text = '';
    if (open my $fh, '<', $log) { seek $fh, $mark, 0; local $/; $text = <$fh> // '' }
    last if $text =~ /\Q$marker\E/;
    sleep 0.1;
}
like $text, qr/^GET \/resp\/backend\/plain\/file\.txt\?marker=/m, 'backend log: proxied GET seen';
unlike $text, qr/^OPTIONS /m, 'backend log: no preflight reached the backend';

# --- CorsPreserveBackendHeaders On through the proxy.
$res = cors_request(GET => '/resp/proxy-keep/acao/file.txt', $A);
is_deeply [header_values($res, $ACAO)], ['https://from-backend.example'],
    'proxy preserve: backend ACAO kept, one line';
is_deeply [header_values($res, $ACAC)], ['true'], 'proxy preserve: backend ACAC kept';
is vary_origin($res), 1, 'proxy preserve: Vary: Origin';
$res = cors_request(GET => '/resp/proxy-keep/plain/file.txt', $A);
is $res->header('X-Resp-Backend'), 'yes', 'proxy preserve, backend without ACAO: answered by the backend';
is_deeply [header_values($res, $ACAO)], [$A], 'proxy preserve, backend without ACAO: mod_cors\'s ACAO';
$res = cors_request(GET => '/resp/proxy-keep/plain/file.txt', $EVIL);
is_deeply [cors_lines($res)], [], 'proxy preserve, backend without ACAO, refused origin: none';
