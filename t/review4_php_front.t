# Review 4 (issue 12): PHP front controllers behind PHP-FPM, as Laravel,
# Symfony and WordPress are deployed. t/php_fpm.t calls the scripts by
# their own names; real applications route every URL through index.php,
# reached by one of three httpd mechanisms, each a different internal
# redirect that mod_cors must see through (docs/how-it-works.md, "Which
# section decides": the requested URL's section):
#   /rw/  the Laravel public/.htaccess: RewriteRule ^ index.php [L]
#         (per-directory mod_rewrite in fixups: ap_internal_redirect)
#   /fb/  FallbackResource /fb/index.php (mod_dir: a subrequest to the
#         FilesMatch proxy:fcgi handler, then ap_internal_fast_redirect,
#         which swaps r->per_dir_config and the output filters)
#   /di/  DirectoryIndex index.php for a directory URL (mod_dir, fast
#         redirect too)
# The policy is in <Location PREFIX/api/>, which the index.php that
# answers is not in; PREFIX/api/closed/ says Cors Off, and index.php's own
# <Files> section says Cors On, so a module that let the target's section
# decide would answer the closed URL's preflight. Server-wide, as many
# sites have, `Header always set` adds a leftover
# Access-Control-Allow-Origin "*" and merges Accept-Encoding into Vary.
# The front controller answers 404, 500, redirects, sends its own CORS
# headers (some in lower case, as PHP frameworks and HTTP/2 backends do)
# and answers OPTIONS itself, as Laravel's HandleCors does; every run is
# appended to a runs file, so the test sees whether a request reached PHP.
# Two of the cases are sent over HTTP/2 too (h2c, curl): mod_http2 builds
# the response head itself, from headers_out and err_headers_out (where
# mod_proxy_fcgi puts a script's headers).
#
# Private servers (t/lib/CorsHttpd.pm, t/lib/CorsPhpFpm.pm).
# Mutations caught: Access-Control-* names of the response compared with
# case (cors_scan_out: strncmp, or only 'A'), so PHP's lower-case
# access-control-allow-origin survives next to mod_cors's; the newest
# request of the chain deciding instead of the oldest; the preflight
# answered only where no fast redirect swapped the section (fixups
# reading r->per_dir_config).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsHttpd;
use CorsPhpFpm;
use File::Path qw(make_path);
use File::Spec::Functions qw(catfile catdir);
use JSON::PP ();

my @WIRINGS = (
    # [prefix, how, the URL of a route]
    ['/rw', 'RewriteRule in .htaccess', '/rw/api/users'],
    ['/fb', 'FallbackResource',         '/fb/api/users'],
    ['/di', 'DirectoryIndex',           '/di/api/users/'],
);
my $PER = 40;
plan tests => 2 + $PER * @WIRINGS + 6 + 2,
    need_module(qw(cors proxy proxy_fcgi rewrite dir headers http2));

my $APP  = 'https://app.example.com';
my $EVIL = 'https://evil.example';

my $t_logs = Apache::Test::vars('t_logs');
# Not t/logs/review4_php_front: CorsHttpd->new empties its own folder.
my $root   = catdir($t_logs, 'review4_php_docs');
my $docs   = catdir($root, 'www');
my $RUNS   = catfile($root, 'runs.log');
make_path($docs);
open my $fh, '>', $RUNS or die "$RUNS: $!";
close $fh;
chmod 0666, $RUNS;

my $INDEX = <<'PHP';
<?php
// t/review4_php_front.t: the application's front controller.
$uri = $_SERVER['REQUEST_URI'];
$route = preg_replace('#^/(rw|fb|di)/#', '/', parse_url($uri, PHP_URL_PATH));
$body = file_get_contents('php://input');
file_put_contents(getenv('CORS_PHP_RUNS'), sprintf("%s %s\n",
    $_SERVER['REQUEST_METHOD'], $uri), FILE_APPEND | LOCK_EX);
header('X-Php: front');
header('X-Route: ' . $route);
if ($_SERVER['REQUEST_METHOD'] === 'OPTIONS') {
    // Laravel's HandleCors, or a hand-written answer.
    header('Access-Control-Allow-Origin: *');
    header('Access-Control-Allow-Methods: *');
    http_response_code(200);
    exit;
}
if (strpos($route, '/api/missing') === 0) {
    http_response_code(404);
    header('Content-Type: application/json');
    echo '{"error":"not found"}';
    exit;
}
if (strpos($route, '/api/boom') === 0) {
    header('Access-Control-Allow-Origin: *');
    http_response_code(500);
    cors_test_no_such_function();
}
if (strpos($route, '/api/moved') === 0) {
    header('Location: /elsewhere', true, 302);
    exit;
}
if (strpos($route, '/api/own') === 0) {
    header('Access-Control-Allow-Origin: *');
    header('Access-Control-Allow-Credentials: true');
    header('Access-Control-Expose-Headers: X-Secret');
    header('Vary: Origin');
}
if (strpos($route, '/api/lower') === 0) {
    header('access-control-allow-origin: *');
    header('access-control-allow-credentials: true');
    header('access-control-expose-headers: x-secret');
    header('vary: origin');
}
header('Content-Type: application/json');
echo json_encode(['route' => $route, 'method' => $_SERVER['REQUEST_METHOD'],
                  'script' => $_SERVER['SCRIPT_NAME'], 'body' => $body,
                  'authorization' => $_SERVER['HTTP_AUTHORIZATION'] ?? null]);
PHP

# Laravel's public/.htaccess, as it ships (less the MultiViews guard).
my $HTACCESS = <<'HT';
RewriteEngine On
RewriteCond %{HTTP:Authorization} .
RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]
RewriteCond %{REQUEST_FILENAME} !-d
RewriteCond %{REQUEST_URI} (.+)/$
RewriteRule ^ %1 [L,R=301]
RewriteCond %{REQUEST_FILENAME} !-d
RewriteCond %{REQUEST_FILENAME} !-f
RewriteRule ^ index.php [L]
HT

for my $d (qw(rw fb di di/api di/api/users di/api/closed di/api/closed/x
              di/api/missing di/api/boom di/api/own di/api/lower di/api/moved)) {
    make_path(catdir($docs, $d));
}
CorsTest::write_file(catfile($docs, 'rw', '.htaccess'), $HTACCESS);
for my $d (qw(rw fb di di/api/users di/api/closed/x di/api/missing
              di/api/boom di/api/own di/api/lower di/api/moved)) {
    CorsTest::write_file(catfile($docs, $d, 'index.php'), $INDEX);
}
chmod 0755, $root, $docs;

my $fpm = CorsPhpFpm->new(name => 'review4-fpm', env => { CORS_PHP_RUNS => $RUNS });
$fpm->start;
my $handler = $fpm->handler;

my $policy = join '', map { my $p = $_->[0]; <<"CONF" } @WIRINGS;
<Location "$p/api/">
    Cors On
    CorsOrigins $APP
    CorsSupportsCredentials On
    CorsMethods GET POST PUT DELETE
    CorsAllowHeaders Content-Type Authorization
    CorsExposeHeaders X-Route
    CorsMaxAge 600
</Location>
<Location "$p/api/closed/">
    Cors Off
</Location>
CONF

my $httpd = CorsHttpd->new(
    name => 'review4_php_front',
    modules => [qw(cors mime dir rewrite headers proxy proxy_fcgi http2)],
    document_root => $docs,
    config => <<"CONF");
<Directory "$docs">
    Require all granted
    AllowOverride None
    <FilesMatch ".+\\.php\$">
        SetHandler "$handler"
    </FilesMatch>
    # The target of every internal redirect: a section of its own that
    # would grant anything, so that which section decides shows.
    <Files "index.php">
        Cors On
        CorsOrigins *
        CorsMethods *
    </Files>
</Directory>
<Directory "$docs/rw">
    AllowOverride FileInfo
</Directory>
<Directory "$docs/fb">
    FallbackResource /fb/index.php
</Directory>
<Directory "$docs/di">
    DirectoryIndex index.php
</Directory>
Header always set Access-Control-Allow-Origin "*"
Header always merge Vary "Accept-Encoding"
# h2c too: mod_http2 builds the response head itself.
Protocols h2c http/1.1
$policy
CONF
$httpd->start;

sub runs { open my $f, '<', $RUNS or return 0; my @l = <$f>; return scalar @l }
sub url  { $httpd->url($_[0]) }
sub json { my $j = eval { JSON::PP::decode_json($_[0]->content) }; return $j || {} }
sub vary_tokens { [sort map { lc } header_tokens($_[0], 'Vary')] }

my $res = cors_request(GET => url('/rw/api/users'), undef);
is $res->header('X-Php'), 'front', 'setup: the front controller answers through the rewrite';
$res = cors_request(GET => url('/fb/api/users'), undef);
is $res->header('X-Php'), 'front', 'setup: and through FallbackResource';

for my $w (@WIRINGS) {
    my ($p, $how, $route) = @$w;
    my $closed = $route =~ s{/api/users}{/api/closed/x}r;
    my $sub = sub { $route =~ s{/api/users}{/api/$_[0]}r };

    # --- An allowed origin: the route, through the front controller.
    $res = cors_request(GET => url($route), $APP);
    is $res->code, 200, "$how: GET 200";
    is $res->header('X-Route'), '/api/users' . ($route =~ m{/$} ? '/' : ''),
        "$how: the front controller routed it";
    is_deeply [header_values($res, $ACAO)], [$APP],
        "$how: exactly one ACAO, the origin (the Header always set * replaced)";
    is_deeply [header_values($res, $ACAC)], ['true'], "$how: ACAC true";
    is_deeply [header_values($res, $ACEH)], ['X-Route'], "$how: the requested URL's ACEH";
    is_deeply vary_tokens($res), ['accept-encoding', 'origin'],
        "$how: Vary: Origin merged with the Header merge";

    # --- A refused origin: nothing, not even the Header always set *.
    $res = cors_request(GET => url($route), $EVIL);
    is $res->header('X-Php'), 'front', "$how, refused origin: PHP ran";
    is_deeply [cors_lines($res)], [], "$how, refused origin: no Access-Control-* (not the *)";
    is vary_origin($res), 1, "$how, refused origin: Vary: Origin";

    # --- Preflights are answered by the requested URL's section, never
    # reach PHP (which would answer * itself), and never take the target
    # index.php's section (which would allow any method).
    my $before = runs();
    $res = preflight(url($route), $APP, 'PUT', 'content-type, authorization');
    is $res->code, 204, "$how, preflight: 204";
    ok !defined $res->header('X-Php'), "$how, preflight: not PHP's answer";
    is_deeply [sort(cors_lines($res))],
        [sort "$ACAO: $APP", "$ACAC: true", "$ACAM: GET, POST, PUT, DELETE",
              "$ACAH: content-type, authorization", "$ACMA: 600"],
        "$how, preflight: the requested URL's policy, exactly";
    $res = preflight(url($route), $APP, 'PATCH');
    is_deeply [cors_lines($res)], [],
        "$how, preflight for a method only the target's section allows: refused";
    $res = preflight(url($route), $EVIL, 'PUT');
    is $res->code, 204, "$how, refused preflight: 204";
    is_deeply [cors_lines($res)], [], "$how, refused preflight: no Access-Control-*";
    is runs() - $before, 0, "$how, preflights: PHP never ran";

    # --- The actual PUT, with its body and Authorization, through the
    # internal redirect.
    my $body = '{"name":"x"}';
    $res = cors_request(PUT => url($route), $APP, 'Content-Type' => 'application/json',
                        Authorization => 'Bearer t0k3n', Content => $body);
    is $res->code, 200, "$how, PUT: 200";
    my $j = json($res);
    is_deeply [@$j{qw(method body)}], ['PUT', $body], "$how, PUT: PHP got the method and body";
    is_deeply [header_values($res, $ACAO)], [$APP], "$how, PUT: one ACAO";

    # --- Errors and redirects of the application.
    $res = cors_request(GET => url($sub->('missing')), $APP);
    is $res->code, 404, "$how, PHP's 404";
    is_deeply [header_values($res, $ACAO)], [$APP], "$how, PHP's 404: one ACAO, the origin";
    is_deeply [header_values($res, $ACAC)], ['true'], "$how, PHP's 404: ACAC true";
    $res = cors_request(GET => url($sub->('boom')), $APP);
    is $res->code, 500, "$how, PHP's 500";
    is $res->header('X-Php'), 'front', "$how, PHP's 500: PHP ran";
    is_deeply [header_values($res, $ACAO)], [$APP], "$how, PHP's 500: one ACAO (PHP's * replaced)";
    $res = cors_request(GET => url($sub->('moved')), $APP);
    is $res->code, 302, "$how, PHP's redirect: 302";
    is_deeply [header_values($res, $ACAO)], [$APP],
        "$how, PHP's redirect: one ACAO (the browser may follow it)";

    # --- CORS headers of the application's own.
    $res = cors_request(GET => url($sub->('own')), $APP);
    is_deeply [header_values($res, $ACAO)], [$APP], "$how, PHP's own ACAO *: replaced, one line";
    is_deeply [header_values($res, $ACEH)], ['X-Route'], "$how, PHP's own ACEH: replaced";
    is vary_origin($res), 1, "$how, PHP's own Vary: Origin: once";
    $res = cors_request(GET => url($sub->('lower')), $APP);
    is_deeply [sort(cors_lines($res))],
        [sort "$ACAO: $APP", "$ACAC: true", "$ACEH: X-Route"],
        "$how, PHP's lower-case access-control-*: replaced, one line each";
    is vary_origin($res), 1, "$how, PHP's lower-case vary: origin: Origin once";
    $res = cors_request(GET => url($sub->('lower')), $EVIL);
    is_deeply [cors_lines($res)], [],
        "$how, PHP's lower-case access-control-*, refused origin: all removed";

    # --- Cors Off at the requested URL decides, although the target's
    # <Files index.php> says Cors On: PHP answers its own OPTIONS, and
    # mod_cors touches nothing (the Header always set * stays: the admin's).
    $before = runs();
    $res = preflight(url($closed), $APP, 'PUT');
    is $res->header('X-Php'), 'front', "$how, Cors Off: the preflight reaches PHP";
    is $res->code, 200, "$how, Cors Off: PHP's own answer";
    is runs() - $before, 1, "$how, Cors Off: one run";
    is_deeply [header_values($res, $ACAM)], ['*'], "$how, Cors Off: PHP's ACAM untouched";
    $res = cors_request(GET => url($closed), $APP);
    is_deeply [header_values($res, $ACAO)], ['*'],
        "$how, Cors Off: GET keeps the Header always set * (mod_cors stays out)";
    is vary_origin($res), 0, "$how, Cors Off: no Vary: Origin from mod_cors";
    is scalar(header_values($res, $ACAC)), 0, "$how, Cors Off: no ACAC";
}

# --- The same over HTTP/2 (h2c with prior knowledge, curl): PHP's own
# headers (in err_headers_out, where mod_proxy_fcgi puts a script's) and
# the Header always set * must not survive mod_http2's response head.
sub h2 {
    my ($path, $origin) = @_;
    my @cmd = ('curl', '-sS', '--http2-prior-knowledge', '-o', '/dev/null',
               '-D', '-', '-H', "Origin: $origin", url($path));
    open my $c, '-|', @cmd or die "curl: $!";
    my @lines = map { s/\r?\n\z//r } <$c>;
    close $c;
    my ($status) = ($lines[0] // '') =~ m{^HTTP/2 (\d+)};
    return { status => $status // 0,
             cors => [sort grep { /^access-control-/i } @lines],
             vary => [sort map { lc } map { split /\s*,\s*/ } map { /^vary:\s*(.*)$/i ? $1 : () } @lines] };
}
for my $c (['/rw/api/lower', 'rewrite, lower-case headers'], ['/fb/api/own', 'FallbackResource, own headers']) {
    my ($path, $what) = @$c;
    my $r = h2($path, $APP);
    is $r->{status}, 200, "HTTP/2, $what: 200";
    is_deeply $r->{cors},
        [sort "access-control-allow-origin: $APP", 'access-control-allow-credentials: true',
              'access-control-expose-headers: X-Route'],
        "HTTP/2, $what: one line each, mod_cors's";
    is_deeply $r->{vary}, ['accept-encoding', 'origin'], "HTTP/2, $what: Vary: Origin once";
}

$httpd->stop;
ok $fpm->stop, 'php-fpm stopped';
ok !-e $fpm->socket, 'php-fpm socket removed';
