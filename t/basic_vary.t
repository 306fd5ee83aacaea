# Vary: Origin on every response whose answer depends on the Origin, merged
# into an existing Vary as one line without duplicate tokens; CorsVaryHeader
# Off. Config: t/conf/basic.conf.in.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;

plan tests => 38, need_module(qw(cors headers deflate filter));

my $O    = 'https://example.com';

sub get { cors_request(GET => "/basic/$_[0]/$_[2]", $_[1], @_[3 .. $#_]) }

# The Vary tokens, lower-cased and sorted, and the number of Vary lines.
sub vary { my ($res) = @_; [sort map { lc } header_tokens($res, 'Vary')] }

my $res;

# --- Default: Vary: Origin on allowed, refused and Origin-less responses, and preflights
for my $o ($O, 'null', undef) {
    $res = get(default => $o, 'data.txt');
    is_deeply [header_values($res, 'Vary')], ['Origin'], 'default, Origin ' . ($o // '(none)') . ': Vary: Origin';
}
$res = get(list => 'https://x.example', 'data.txt');
is_deeply [header_values($res, 'Vary')], ['Origin'], 'list, refused origin: Vary: Origin';
is_deeply [header_values($res, $ACAO)], [], 'list, refused origin: no ACAO';
$res = preflight('/basic/list/data.txt', 'https://x.example', 'GET');
is_deeply [header_values($res, 'Vary')], ['Origin'], 'refused preflight: Vary: Origin';
$res = cors_request(GET => '/basic/default/missing.txt', $O);
is $res->code, 404, '404 response';
is_deeply [header_values($res, 'Vary')], ['Origin'], '404: Vary: Origin';

# --- CorsVaryHeader Off: no Vary from mod_cors at all ----------------------------
for my $o ($O, 'https://x.example', undef) {
    my $n = 'CorsVaryHeader Off, Origin ' . ($o // '(none)');
    $res = get(novary => $o, 'data.txt');
    is_deeply [header_values($res, 'Vary')], [], "$n: no Vary";
}
is_deeply [header_values(get(novary => $O, 'data.txt'), $ACAO)], [$O], 'CorsVaryHeader Off: still ACAO';
$res = preflight('/basic/novary/data.txt', $O, 'GET');
is_deeply [header_values($res, 'Vary')], [], 'CorsVaryHeader Off, preflight: no Vary';
is_deeply [header_values($res, $ACAO)], [$O], 'CorsVaryHeader Off, preflight: ACAO';

# --- Merged with `Header set Vary Accept-Encoding`: one line, both tokens -----------
for my $o ($O, 'https://x.example', undef) {
    my $n = 'Header set Vary, Origin ' . ($o // '(none)');
    $res = get(varyhdr => $o, 'data.txt');
    is scalar(header_values($res, 'Vary')), 1, "$n: one Vary line";
    is_deeply vary($res), ['accept-encoding', 'origin'], "$n: accept-encoding and origin";
}
is_deeply [header_values(get(varyhdr => $O, 'data.txt'), $ACAO)], [$O], 'Header set Vary: ACAO';

# --- Merged with `Header always set Vary` (err_headers_out) -------------------------
$res = get(varyalways => $O, 'data.txt');
is scalar(header_values($res, 'Vary')), 1, 'Header always set Vary: one Vary line';
is_deeply vary($res), ['accept-language', 'origin'], 'Header always set Vary: both tokens';
$res = get(varyalways => $O, 'missing.txt');
is $res->code, 404, 'Header always set Vary, 404';
is scalar(header_values($res, 'Vary')), 1, 'Header always set Vary, 404: one Vary line';
is_deeply vary($res), ['accept-language', 'origin'], 'Header always set Vary, 404: both tokens';

# --- The response already varies on Origin: no duplicate token ----------------------
for my $o ($O, undef) {
    my $n = 'Vary already has origin, Origin ' . ($o // '(none)');
    $res = get(varyorigin => $o, 'data.txt');
    is scalar(header_values($res, 'Vary')), 1, "$n: one Vary line";
    is_deeply vary($res), ['accept-encoding', 'origin'], "$n: no duplicate origin token";
}

# --- Merged with mod_deflate's Vary: Accept-Encoding --------------------------------
$res = get(deflate => $O, 'big.txt', 'Accept-Encoding' => 'gzip');
is_deeply [header_values($res, 'Content-Encoding')], ['gzip'], 'deflate: compressed';
is scalar(header_values($res, 'Vary')), 1, 'deflate, gzip: one Vary line';
is_deeply vary($res), ['accept-encoding', 'origin'], 'deflate, gzip: both tokens';
is_deeply [header_values($res, $ACAO)], [$O], 'deflate, gzip: ACAO';
$res = get(deflate => 'https://x.example', 'big.txt');
is scalar(header_values($res, 'Vary')), 1, 'deflate, refused origin, identity: one Vary line';
is_deeply vary($res), ['accept-encoding', 'origin'], 'deflate, refused origin: both tokens';

# --- Static wildcard: no Vary at all (even with another Vary it adds nothing) -------
$res = get(wild => $O, 'data.txt');
is_deeply [header_values($res, 'Vary')], [], 'CorsSendWildcard: no Vary';
$res = get(wildnoalways => $O, 'data.txt');
is_deeply [header_values($res, 'Vary')], ['Origin'], 'CorsSendWildcard + AlwaysSend Off: Vary: Origin';
