# Area "ops": CorsDebugHeader (config: t/conf/ops.conf.in, files under
# t/htdocs/ops/). Every decision value with its reason, in exactly the
# documented forms; nothing of the configuration (the section's path, a
# regex, the file) in the header; hostile request values sanitised and cut
# to 40 bytes; Vary: Origin; the header agrees with the note %{cors}n;
# Off by default, Off again in a child section, On from .htaccess, never in
# Cors ReportOnly; a static "*" section still gets Vary: Origin.
# Requests go over raw sockets (t/lib/CorsOpsReport.pm), so that bytes LWP would
# not send (quotes, UTF-8, 5000-byte values) reach the server as written.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsOpsReport;

my $A    = 'https://a.example';
my $EVIL = 'https://evil.example';
my $DBG  = '/ops/dbg-zzsecretpath';    # a distinctive section path

# What the header may say: a decision, and for refusals of a method or a
# header the request value in tchars and '?', at most 40 bytes.
my $TV = qr/[!#\$%&'*+\-.^_`|~0-9A-Za-z?]{1,40}/;
my $GRAMMAR = qr/\A(?:no-origin|allowed|preflight-allowed|refused-origin
    |refused-private-network|refused-method\ \(method\ $TV\)
    |refused-headers\ \(header\ $TV\)
    |malformed\ \((?:Origin|Access-Control-Request-Headers)\)
    |refused-origin\ \(CORS\ disabled\ by\ a\ configuration\ error\))\z/x;

# Pieces of t/conf/ops.conf.in and the .htaccess files that must never show
# in a response header: the section path, the regexes as written, the file
# names, section and directive names.
my @SECRET = ('zzsecretpath', '[a-z]+', '\.zzsecretregex', 'zzsecrethdr-[',
              'ops.conf', '.htaccess', 'Location', 'Directory', 'CorsOrigins',
              'CorsAllowHeaders', 'CorsSupportsCredentials');

my $RUN = "$$-" . time;
my $seq = 0;

# One request to the main server; returns the parsed response, the list of
# CORS-Decision values and the query key of its notes log line.
sub send_req {
    my ($method, $path, @lines) = @_;
    my $key = 'd' . ++$seq . "-$RUN";
    my $r = parse_raw(raw_exchange(main_hostport(), $method, "$path?$key", @lines));
    my @dec = map { $_->[1] } grep { lc $_->[0] eq 'cors-decision' } @{ $r->{headers} };
    return ($r, \@dec, $key);
}

sub hdr {
    my ($r, $name) = @_;
    return map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $r->{headers} };
}

sub vary_origin_count {
    my ($r) = @_;
    return scalar grep { lc eq 'origin' }
        map { s/^\s+|\s+$//gr } map { split /,/ } hdr($r, 'Vary');
}

# ------------------------------------------------------------ the values
# [name, method, path, expected value, expected status, request lines...]
my $long_method = 'X' x 5000;
my $hostile_method = qq{PUT<script>alert("x")</script>; \xc3\xa9\t-END};
my $mixed_method = 'DELETE' . ('<>' x 100);
my $long_header = 'x-' . ('a' x 300);
my $odd_header = q{x-Evil'|~!#$%&*+.^_`};

my @CASES = (
    ['no Origin',            GET => "$DBG/f.txt", 'no-origin', 200],
    ['allowed origin',       GET => "$DBG/f.txt", 'allowed', 200, "Origin: $A"],
    ['origin by regex',      GET => "$DBG/f.txt", 'allowed', 200,
     'Origin: https://x.zzsecretregex.example'],
    ['refused origin',       GET => "$DBG/f.txt", 'refused-origin', 200, "Origin: $EVIL"],
    ['malformed Origin',     GET => "$DBG/f.txt", 'malformed (Origin)', 200,
     "Origin: $A/"],
    ['hostile Origin',       GET => "$DBG/f.txt", 'malformed (Origin)', 200,
     qq{Origin: $A"<script>\xc3\xa9}],
    ['404, allowed origin',  GET => "$DBG/missing.txt", 'allowed', 404, "Origin: $A"],
    ['preflight allowed',    OPTIONS => "$DBG/f.txt", 'preflight-allowed', 204,
     "Origin: $A", 'Access-Control-Request-Method: PUT'],
    ['preflight, header by regex', OPTIONS => "$DBG/f.txt", 'preflight-allowed', 204,
     "Origin: $A", 'Access-Control-Request-Method: PUT',
     'Access-Control-Request-Headers: X-Token, x-zzsecrethdr-abc'],
    ['refused method',       OPTIONS => "$DBG/f.txt", 'refused-method (method DELETE)', 204,
     "Origin: $A", 'Access-Control-Request-Method: DELETE'],
    ['refused header',       OPTIONS => "$DBG/f.txt", 'refused-headers (header X-Evil)', 204,
     "Origin: $A", 'Access-Control-Request-Method: PUT',
     'Access-Control-Request-Headers: X-Token, X-Evil'],
    ['malformed header list', OPTIONS => "$DBG/f.txt",
     'malformed (Access-Control-Request-Headers)', 204,
     "Origin: $A", 'Access-Control-Request-Method: PUT',
     'Access-Control-Request-Headers: x-token, b@d'],
    ['private network',      OPTIONS => "$DBG/f.txt", 'refused-private-network', 204,
     "Origin: $A", 'Access-Control-Request-Method: PUT',
     'Access-Control-Request-Private-Network: true'],
    ['preflight, refused origin', OPTIONS => "$DBG/f.txt", 'refused-origin', 204,
     "Origin: $EVIL", 'Access-Control-Request-Method: PUT'],
    ['configuration error in .htaccess', GET => '/ops/dbg-bad/f.txt',
     'refused-origin (CORS disabled by a configuration error)', 200, "Origin: $A"],
    # Hostile values: non-tchar bytes become '?', the value is cut at 40.
    ['hostile method',       OPTIONS => "$DBG/f.txt",
     'refused-method (method ' . tchar_sanitise($hostile_method) . ')', 204,
     "Origin: $A", "Access-Control-Request-Method: $hostile_method"],
    ['5000-byte method',     OPTIONS => "$DBG/f.txt",
     'refused-method (method ' . ('X' x 40) . ')', 204,
     "Origin: $A", "Access-Control-Request-Method: $long_method"],
    ['method of 200 angle brackets', OPTIONS => "$DBG/f.txt",
     'refused-method (method DELETE' . ('?' x 34) . ')', 204,
     "Origin: $A", "Access-Control-Request-Method: $mixed_method"],
    ['302-byte header name', OPTIONS => "$DBG/f.txt",
     'refused-headers (header x-' . ('a' x 38) . ')', 204,
     "Origin: $A", 'Access-Control-Request-Method: PUT',
     "Access-Control-Request-Headers: x-token, $long_header"],
    ['header name of odd tchars', OPTIONS => "$DBG/f.txt",
     "refused-headers (header $odd_header)", 204,
     "Origin: $A", 'Access-Control-Request-Method: PUT',
     "Access-Control-Request-Headers: $odd_header"],
);

my @OFF = (
    # [name, method, path, request lines...]: no CORS-Decision at all
    ['default Off, allowed',        GET => '/ops/dbg-default/f.txt', "Origin: $A"],
    ['default Off, refused',        GET => '/ops/dbg-default/f.txt', "Origin: $EVIL"],
    ['default Off, no Origin',      GET => '/ops/dbg-default/f.txt'],
    ['default Off, refused method', OPTIONS => '/ops/dbg-default/f.txt', "Origin: $A",
     'Access-Control-Request-Method: DELETE'],
    ['Off in a child section',      GET => "$DBG/off/f.txt", "Origin: $EVIL"],
    ['Off in a child section, preflight', OPTIONS => "$DBG/off/f.txt", "Origin: $A",
     'Access-Control-Request-Method: DELETE'],
);

my @RO = (
    ['report-only, allowed',        GET => '/ops/dbg-ro/f.txt', 'allowed', "Origin: $A"],
    ['report-only, refused',        GET => '/ops/dbg-ro/f.txt', 'refused-origin', "Origin: $EVIL"],
    ['report-only, no Origin',      GET => '/ops/dbg-ro/f.txt', 'no-origin'],
    ['report-only, preflight',      OPTIONS => '/ops/dbg-ro/f.txt', 'refused-method',
     "Origin: $A", 'Access-Control-Request-Method: FOO'],
);

plan tests => 8 * @CASES + 2 * @OFF + 1 + 4 * @RO + 15,
    need_module('cors', 'headers');

for my $c (@CASES) {
    my ($name, $method, $path, $want, $status, @lines) = @$c;
    my ($r, $dec, $key) = send_req($method, $path, @lines);
    is $r->{status}, $status, "$name: status $status";
    is scalar(@$dec), 1, "$name: one CORS-Decision line";
    is $dec->[0], $want, "$name: CORS-Decision: $want";
    like $dec->[0] // '', $GRAMMAR, "$name: the value has the documented form";
    my $head = join "\n", map { "$_->[0]: $_->[1]" } @{ $r->{headers} };
    my @leaks = grep { index($head, $_) >= 0 } @SECRET;
    is_deeply \@leaks, [], "$name: no path, regex or section of the config in the headers";
    ok length($dec->[0] // '') <= length('refused-headers (header )') + 40,
        "$name: the value is short";
    is vary_origin_count($r), 1, "$name: Vary: Origin, once";
    my $n = notes_line('ops_main_log', $key);
    my ($word) = ($dec->[0] // '') =~ /^(\S+)/;
    is $n ? $n->{cors} : 'no log line', $word // 'no header',
        "$name: the note cors says the same";
}

for my $c (@OFF) {
    my ($name, $method, $path, @lines) = @$c;
    my ($r, $dec) = send_req($method, $path, @lines);
    is_deeply $dec, [], "$name: no CORS-Decision";
    is $r->{status}, $method eq 'OPTIONS' ? 204 : 200, "$name: answered by Cors On";
}
{
    my ($r) = send_req(GET => '/ops/dbg-default/f.txt', "Origin: $A");
    is_deeply [hdr($r, $ACAO)], [$A], 'default Off: Cors On is in force there';
}

# Never in report-only, which changes no byte: no header, no Vary, and the
# decision is still noted.
for my $c (@RO) {
    my ($name, $method, $path, $want, @lines) = @$c;
    my ($r, $dec, $key) = send_req($method, $path, @lines);
    is_deeply $dec, [], "$name: no CORS-Decision";
    is_deeply [cors_lines_raw($r)], [], "$name: no Access-Control-* header";
    is vary_origin_count($r), 0, "$name: no Vary: Origin";
    my $n = notes_line('ops_main_log', $key);
    is $n ? $n->{cors} : 'no log line', $want, "$name: the note cors is $want";
}

sub cors_lines_raw {
    my ($r) = @_;
    return map { "$_->[0]: $_->[1]" } grep { $_->[0] =~ /^Access-Control-/i } @{ $r->{headers} };
}

# .htaccess (AllowOverride FileInfo) turns it on.
{
    my ($r, $dec) = send_req(GET => '/ops/dbg-ht/f.txt', "Origin: $A");
    is_deeply $dec, ['allowed'], '.htaccess: CORS-Decision: allowed';
    is vary_origin_count($r), 1, '.htaccess: Vary: Origin';
    ($r, $dec) = send_req(GET => '/ops/dbg-ht/f.txt', "Origin: $EVIL");
    is_deeply $dec, ['refused-origin'], '.htaccess: CORS-Decision: refused-origin';
    ($r, $dec) = send_req(OPTIONS => '/ops/dbg-ht/f.txt', "Origin: $A",
                          'Access-Control-Request-Method: FOO');
    is_deeply $dec, ['refused-method (method FOO)'],
        '.htaccess: CORS-Decision: refused-method (method FOO)';
    ok !grep({ index(join("\n", map { "$_->[0]: $_->[1]" } @{ $r->{headers} }), $_) >= 0 }
             '.htaccess', 'dbg-ht'),
        '.htaccess: its file is not named';
}

# Static "*": the answer never depends on Origin, the header does, so
# Vary: Origin is merged (into the section's own Vary: Accept-Language).
{
    my ($r, $dec) = send_req(GET => '/ops/dbg-star/f.txt', "Origin: $A");
    is_deeply [hdr($r, $ACAO), @$dec], ['*', 'allowed'], 'static *: ACAO *, allowed';
    is_deeply [sort map { lc s/^\s+|\s+$//gr } map { split /,/ } hdr($r, 'Vary')],
        ['accept-language', 'origin'], 'static *: Vary: Accept-Language, Origin';
    is scalar(hdr($r, 'Vary')), 1, 'static *: one Vary line';
    ($r, $dec) = send_req(GET => '/ops/dbg-star/f.txt');
    is_deeply [hdr($r, $ACAO), @$dec], ['*', 'no-origin'], 'static *, no Origin: ACAO *, no-origin';
    is vary_origin_count($r), 1, 'static *, no Origin: Vary: Origin';
}

# The same section without the debug header needs no Vary: Origin, which
# shows that the one above comes from CorsDebugHeader.
{
    my ($r, $dec) = send_req(GET => '/ops/dbg-star-plain/f.txt', "Origin: $A");
    is_deeply [hdr($r, $ACAO)], ['*'], 'static * without the header: ACAO *';
    is_deeply $dec, [], 'static * without the header: no CORS-Decision';
    is vary_origin_count($r), 0, 'static * without the header: no Vary: Origin';
    ($r, $dec) = send_req(OPTIONS => '/ops/dbg-star/f.txt', "Origin: $A",
                          'Access-Control-Request-Method: PUT');
    is_deeply $dec, ['preflight-allowed'], 'static *, preflight: preflight-allowed';
    is vary_origin_count($r), 1, 'static *, preflight: Vary: Origin';
}
