# Area "php": PHP-FPM behind mod_proxy_fcgi, the production shape of most
# PHP applications (config: t/conf/php.conf.in, scripts: t/htdocs/php/).
# The test starts its own php-fpm (t/lib/CorsPhpFpm.pm: pool on a Unix
# socket in t/logs/php-fpm/, children as the test server's user) and stops
# it at the end, also when it dies. Both common wirings: SetHandler
# "proxy:unix:...|fcgi://localhost" in <FilesMatch \.php$> (/php/, as
# Debian's php8.2-fpm.conf) and ProxyPassMatch (/php-pm/).
#
# What it protects (README, CorsPreserveBackendHeaders and "How it works"):
# - exactly one Access-Control-Allow-Origin line, mod_cors's, on every
#   answer, whatever the script sent (acao.php sends its own `*` and other
#   Access-Control-* headers), including the 500 of a script that dies;
# - a refused origin gets no Access-Control-* header at all, not PHP's `*`;
# - preflights never reach PHP, also to a .php URL whose script would
#   answer OPTIONS itself (each script appends a line to a runs file);
# - a POST reaches PHP with its body;
# - CorsPreserveBackendHeaders On (/php-keep/) keeps the script's headers
#   untouched, and adds mod_cors's where the script sent none.
# Mutations caught: see t/README.md, "PHP-FPM (t/php_fpm.t)".
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsPhpFpm;
use File::Spec::Functions qw(catfile);
use JSON::PP ();

plan tests => 101, need_module(qw(cors proxy proxy_fcgi));

my $APP   = 'https://app.example.com';
my $ADMIN = 'https://admin.example.com';
my $EVIL  = 'https://evil.example';

# Every script run appends "METHOD URI acrm=..." here (env of the pool).
# Written by the pool's children (nobody when root): world-writable.
my $RUNS = catfile(Apache::Test::vars('t_logs'), 'php_runs.log');
open my $fh, '>', $RUNS or die "$RUNS: $!";
close $fh;
chmod 0666, $RUNS;

my $fpm = CorsPhpFpm->new(env => { CORS_PHP_RUNS => $RUNS });
diag 'php-fpm: ' . $fpm->binary_path;
$fpm->start;

sub runs { open my $f, '<', $RUNS or return (); my @l = <$f>; return @l }
sub nruns { my @l = runs(); return scalar @l }

# What the script's own CORS headers were (acao.php), for "not left over".
my @PHP_ONLY = ('Access-Control-Allow-Methods', 'Access-Control-Allow-Headers',
                'Access-Control-Max-Age');

# Every Access-Control-* line of the response, as "Name: value".
sub cors_of { [ cors_lines($_[0]) ] }

for my $w (['/php/', 'SetHandler'], ['/php-pm/', 'ProxyPassMatch']) {
    my ($base, $how) = @$w;
    my $res;

    # --- The script with its own Access-Control-Allow-Origin: * ---
    # mod_cors replaces all of its Access-Control-* headers (mutation: the
    # backend's headers not unset -> two ACAO lines, the script's ACEH).
    my $before = nruns();
    $res = cors_request(GET => "${base}acao.php", $APP);
    is $res->code, 200, "$how, own ACAO *: 200";
    is $res->header('X-Php'), 'acao', "$how, own ACAO *: PHP ran";
    is_deeply [header_values($res, $ACAO)], [$APP],
        "$how, own ACAO *: exactly one ACAO, the origin (mod_cors's, not PHP's *)";
    is_deeply [header_values($res, $ACAC)], ['true'],
        "$how, own ACAO *: one ACAC true";
    is_deeply [header_values($res, $ACEH)], ['X-Request-Id'],
        "$how, own ACAO *: mod_cors's ACEH only (PHP's X-Php-Only gone)";
    is_deeply [map { scalar header_values($res, $_) } @PHP_ONLY], [0, 0, 0],
        "$how, own ACAO *: PHP's ACAM, ACAH, Max-Age removed from the actual response";
    is scalar(header_values($res, 'Vary')), 1, "$how, own ACAO *: one Vary line";
    is_deeply [sort map { lc } header_tokens($res, 'Vary')], ['accept-encoding', 'origin'],
        "$how, own ACAO *: PHP's Vary kept, Origin merged once";
    is nruns() - $before, 1, "$how, own ACAO *: one line in the runs file";

    $res = cors_request(GET => "${base}acao.php", $ADMIN);
    is_deeply [header_values($res, $ACAO)], [$ADMIN],
        "$how, own ACAO *, second allowed origin: its own origin, once";

    # Refused origin: nothing of CORS, not even the script's `*`
    # (mutation: backend headers removed only when allowed).
    $res = cors_request(GET => "${base}acao.php", $EVIL);
    is $res->header('X-Php'), 'acao', "$how, own ACAO *, refused origin: PHP ran";
    is_deeply cors_of($res), [], "$how, own ACAO *, refused origin: no Access-Control-* at all (PHP's * removed)";
    is vary_origin($res), 1, "$how, own ACAO *, refused origin: Vary: Origin";

    # Without Origin: a list policy has no answer for everyone; the
    # script's `*` must not stand in for one.
    $res = cors_request(GET => "${base}acao.php", undef);
    is_deeply cors_of($res), [], "$how, own ACAO *, no Origin: no Access-Control-* at all";

    # --- The script that dies with 500 ---
    $res = cors_request(GET => "${base}fail.php", $APP);
    is $res->code, 500, "$how, fatal error: 500";
    is $res->header('X-Php'), 'fail', "$how, fatal error: it was PHP's 500";
    is_deeply [header_values($res, $ACAO)], [$APP],
        "$how, fatal error: exactly one ACAO, the origin";
    is_deeply [header_values($res, $ACAC)], ['true'], "$how, fatal error: ACAC true";
    $res = cors_request(GET => "${base}fail.php", $EVIL);
    is $res->code, 500, "$how, fatal error, refused origin: 500";
    is_deeply cors_of($res), [], "$how, fatal error, refused origin: no Access-Control-* (PHP's * removed)";

    # --- JSON: a POST reaches PHP with its body ---
    my $body = '{"item":"a b","n":42}';
    $before = nruns();
    $res = cors_request(POST => "${base}json.php", $APP,
                        'Content-Type' => 'application/json', Content => $body);
    is $res->code, 200, "$how, JSON POST: 200";
    my $got = eval { JSON::PP::decode_json($res->content) } || {};
    is $got->{method}, 'POST', "$how, JSON POST: PHP saw a POST";
    is $got->{body}, $body, "$how, JSON POST: PHP read the body as sent";
    is $got->{content_type}, 'application/json', "$how, JSON POST: PHP saw the Content-Type";
    is_deeply [header_values($res, $ACAO)], [$APP], "$how, JSON POST: one ACAO";
    ok defined $res->header('X-Request-Id'), "$how, JSON POST: the exposed X-Request-Id is there";
    my @new = (runs())[$before .. nruns() - 1];
    is_deeply \@new, ["POST ${base}json.php acrm=- len=" . length($body) . "\n"],
        "$how, JSON POST: one run, with the body's length";

    # --- Preflights never reach PHP ---
    # The runs file must not grow (mutation: CorsAutomaticOptions behaving
    # as Off, or the preflight answer skipped for proxied handlers).
    $before = nruns();
    $res = preflight("${base}json.php", $APP, 'PUT', 'content-type');
    is $res->code, 204, "$how, preflight to json.php: 204 from mod_cors";
    is_deeply [header_values($res, $ACAO)], [$APP], "$how, preflight to json.php: one ACAO";
    is_deeply [header_tokens($res, $ACAM)], [qw(GET POST PUT DELETE)],
        "$how, preflight to json.php: mod_cors's methods";
    is_deeply [header_values($res, $ACMA)], ['600'], "$how, preflight to json.php: Max-Age 600";
    $res = preflight("${base}acao.php", $APP, 'DELETE', 'x-requested-with');
    is $res->code, 204, "$how, preflight to acao.php (answers OPTIONS itself): 204";
    ok !defined $res->header('X-Php'), "$how, preflight to acao.php: not PHP's answer";
    is_deeply [sort @{ cors_of($res) }],
        [sort "$ACAO: $APP", "$ACAC: true", "$ACAM: GET, POST, PUT, DELETE",
              "$ACAH: x-requested-with", "$ACMA: 600"],
        "$how, preflight to acao.php: mod_cors's headers, none of PHP's";
    $res = preflight("${base}acao.php", $EVIL, 'PUT');
    is $res->code, 204, "$how, refused preflight: 204";
    is_deeply cors_of($res), [], "$how, refused preflight: no Access-Control-*";
    $res = preflight("${base}fail.php", $APP, 'PATCH');
    is_deeply cors_of($res), [], "$how, preflight with a refused method: no Access-Control-*";
    is nruns() - $before, 0, "$how, preflights: PHP never ran (runs file untouched)";

    # A plain OPTIONS (no Access-Control-Request-Method) is no preflight:
    # it reaches PHP, which answers it, and its CORS headers are replaced.
    $before = nruns();
    $res = cors_request(OPTIONS => "${base}acao.php", $APP);
    is $res->header('X-Php'), 'acao', "$how, plain OPTIONS: answered by PHP";
    is_deeply [header_values($res, $ACAO)], [$APP], "$how, plain OPTIONS: one ACAO, mod_cors's";
    is nruns() - $before, 1, "$how, plain OPTIONS: one run";

    # --- Every time: the same answers over kept-alive connections and
    # both pool children, in a mixed order.
    my %bad;
    for my $i (1 .. 12) {
        for my $c (['acao.php', 200], ['fail.php', 500], ['json.php', 200]) {
            my ($script, $code) = @$c;
            my $o = $i % 3 ? $APP : $EVIL;
            my $r = cors_request(GET => "$base$script", $o);
            my @acao = header_values($r, $ACAO);
            my $want = $o eq $EVIL ? [] : [$o];
            $bad{"$script from $o: status " . $r->code . ", ACAO [@acao]"}++
                if $r->code != $code || "@acao" ne "@$want"
                || ($o eq $EVIL && cors_lines($r));
        }
    }
    is_deeply [sort keys %bad], [], "$how, 36 mixed requests: one right ACAO line (none when refused) every time";
}

# --- CorsPreserveBackendHeaders On (/php-keep/) ---
# The script's own headers are kept untouched, one ACAO line: its `*`,
# also for a refused origin (the script's answer, as documented); where
# the script sends none, mod_cors answers. Mutation: preserve ignored.
{
    my $res = cors_request(GET => '/php-keep/acao.php', $APP);
    is $res->header('X-Php'), 'acao', 'preserve: PHP ran';
    is_deeply [header_values($res, $ACAO)], ['*'], 'preserve: exactly one ACAO, PHP\'s *';
    is_deeply [header_values($res, $ACEH)], ['X-Php-Only'], 'preserve: PHP\'s ACEH kept';
    is_deeply [header_values($res, $ACMA)], ['86400'], 'preserve: PHP\'s Max-Age kept';
    is scalar(header_values($res, $ACAC)), 0, 'preserve: no ACAC added to PHP\'s *';
    is vary_origin($res), 1, 'preserve: Vary: Origin still merged';
    $res = cors_request(GET => '/php-keep/acao.php', $EVIL);
    is_deeply [header_values($res, $ACAO)], ['*'], 'preserve, refused origin: PHP\'s * kept as it is';
    $res = cors_request(GET => '/php-keep/fail.php', $APP);
    is $res->code, 500, 'preserve, fatal error: 500';
    is_deeply [header_values($res, $ACAO)], ['*'], 'preserve, fatal error: one ACAO, PHP\'s';
    $res = cors_request(GET => '/php-keep/json.php', $APP);
    is_deeply [header_values($res, $ACAO)], [$APP], 'preserve, script without CORS headers: mod_cors\'s ACAO';
    is_deeply [header_values($res, $ACAC)], ['true'], 'preserve, script without CORS headers: mod_cors\'s ACAC';
    $res = cors_request(GET => '/php-keep/json.php', $EVIL);
    is_deeply [cors_lines($res)], [], 'preserve, script without CORS headers, refused origin: nothing';
    my $before = nruns();
    $res = preflight('/php-keep/acao.php', $APP, 'PUT');
    is $res->code, 204, 'preserve, preflight: answered by mod_cors';
    is nruns() - $before, 0, 'preserve, preflight: PHP never ran';
}

# The pool stops, and with it every child: nothing left running.
my $pid = $fpm->pid;
ok $fpm->stop, 'php-fpm stopped';
ok !kill(0, $pid), 'php-fpm master gone';
ok !-e $fpm->socket, 'socket removed';
