# Origin policy through real requests: default echo, CorsAlwaysSend,
# CorsSendWildcard, exact lists with port normalisation, subdomain
# patterns, CorsOriginsMatch, null, credentials, and attack origins.
# Config: t/conf/basic.conf.in (every location serves t/htdocs/basic).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;

plan tests => 294, need_module('cors');


sub get { cors_request(GET => "/basic/$_[0]/data.txt", $_[1], @_[2 .. $#_]) }

# ACAO is exactly one line with $want; plus Vary: Origin (one line).
sub granted {
    my ($res, $want, $name) = @_;
    is_deeply [header_values($res, $ACAO)], [$want], "$name: ACAO is '$want' (one line)";
    is_deeply [header_values($res, 'Vary')], ['Origin'], "$name: Vary: Origin";
}

# No Access-Control-* header at all, but still Vary: Origin.
sub refused {
    my ($res, $name) = @_;
    is_deeply [cors_lines($res)], [], "$name: no Access-Control-* headers";
    is_deeply [header_values($res, 'Vary')], ['Origin'], "$name: Vary: Origin";
}

my $res;

# --- Default policy (Cors On only): echo exactly, Vary: Origin ----------------
$res = get(default => 'https://x.example');
is $res->code, 200, 'default: 200';
granted($res, 'https://x.example', 'default, allowed origin');
granted(get(default => 'HTTPS://X.Example:8443'), 'HTTPS://X.Example:8443',
        'default, odd case and port echoed as sent');
$res = cors_request(POST => '/basic/default/', 'https://y.example', Content => 'a=b');
is_deeply [header_values($res, $ACAO)], ['https://y.example'], 'default, POST: echoed';
$res = cors_request(HEAD => '/basic/default/data.txt', 'https://y.example');
is_deeply [header_values($res, $ACAO)], ['https://y.example'], 'default, HEAD: echoed';
# Without Origin, CorsAlwaysSend (default On) answers '*'.
granted(get(default => undef), '*', 'default, no Origin');
# '*' never covers the null origin.
refused(get(default => 'null'), 'default, Origin null');
is_deeply [header_values(get(default => undef), $ACAC)], [], 'default: never ACAC';

# --- CorsAlwaysSend Off: nothing without Origin, but Vary: Origin ------------
granted(get(noalways => 'https://x.example'), 'https://x.example', 'always-send off, Origin');
refused(get(noalways => undef), 'always-send off, no Origin');

# --- CorsSendWildcard On: static '*', no Vary, whatever the Origin -----------
for my $o ('https://x.example', undef, 'null', 'https://a.example/path') {
    my $n = 'send-wildcard, Origin ' . ($o // '(none)');
    $res = get(wild => $o);
    is_deeply [header_values($res, $ACAO)], ['*'], "$n: ACAO *";
    is_deeply [header_values($res, 'Vary')], [], "$n: no Vary";
}
$res = preflight('/basic/wild/data.txt', 'https://x.example', 'PUT');
is_deeply [header_values($res, $ACAO)], ['*'], 'send-wildcard preflight: ACAO *';
is_deeply [header_values($res, 'Vary')], [], 'send-wildcard preflight: no Vary';

# --- CorsSendWildcard On + CorsAlwaysSend Off: '*' with Origin, else nothing --
granted(get(wildnoalways => 'https://x.example'), '*', 'wildcard, always-send off, Origin');
refused(get(wildnoalways => undef), 'wildcard, always-send off, no Origin');

# --- Exact list: echo as sent, case-insensitive, default ports normalised -----
for my $o ('https://example.com', 'HTTPS://EXAMPLE.COM', 'https://Example.Com:443',
           'https://a.example', 'https://a.example:443', 'http://b.example',
           'http://b.example:80', 'HTTP://B.EXAMPLE:80', 'https://c.example:443',
           'https://d.example:8443') {
    granted(get(list => $o), $o, "list, $o");
}
# Other scheme, other port, a listed port origin on another port: refused.
for my $o ('https://example.com:8443', 'http://example.com', 'https://b.example',
           'http://a.example', 'https://c.example:8443', 'https://d.example',
           'https://d.example:443', 'https://d.example:9443', 'https://x.example',
           'https://example.com:80') {
    refused(get(list => $o), "list, $o");
}
# More than one origin listed: no Origin gets nothing.
refused(get(list => undef), 'list, no Origin');

# --- Always-send with exactly one exact origin: that origin without Origin ----
granted(get(single => undef), 'https://only.example', 'single origin, no Origin');
granted(get(single => 'https://only.example'), 'https://only.example', 'single origin, itself');
refused(get(single => 'https://other.example'), 'single origin, another');
refused(get(two => undef), 'two origins, no Origin');
granted(get(two => 'https://two.example'), 'https://two.example', 'two origins, second');

# --- Subdomain pattern https://*.example.com --------------------------------
for my $o ('https://a.example.com', 'https://a.b.example.com', 'HTTPS://A.EXAMPLE.COM',
           'https://a.example.com:443', 'https://x-1.example.com') {
    granted(get(sub => $o), $o, "pattern, $o");
}
for my $o ('https://example.com', 'https://evilexample.com', 'https://example.com.evil.net',
           'https://a.example.com.evil.net', 'http://a.example.com',
           'https://a.example.com:8443', 'https://.example.com', 'https://a.evilexample.com',
           'https://a.example.co') {
    refused(get(sub => $o), "pattern, $o");
}
refused(get(sub => undef), 'pattern, no Origin');

# --- CorsOriginsMatch: anchored both ends, case-insensitive, not '*' ---------
for my $o ('https://app1.example.org', 'https://app42.example.org',
           'HTTPS://APP7.EXAMPLE.ORG', 'https://app1.example.org:443') {
    granted(get(regex => $o), $o, "regex, $o");
}
for my $o ('https://app1.example.org.evil.net', 'xhttps://app1.example.org',
           'https://app.example.org', 'https://appx.example.org', 'https://x.example',
           'http://app1.example.org', 'https://app1.example.org:8443',
           'https://app1xexample.org') {
    refused(get(regex => $o), "regex, $o");
}
refused(get(regex => undef), 'regex only, no Origin');

# --- CorsOrigins + CorsOriginsMatch in one section combine -------------------
granted(get(combo => 'https://example.com'), 'https://example.com', 'combo, literal');
granted(get(combo => 'https://api-foo.example.net'), 'https://api-foo.example.net', 'combo, regex');
refused(get(combo => 'https://api-1.example.net'), 'combo, regex miss');
refused(get(combo => 'https://x.example'), 'combo, unlisted');

# --- null only where listed --------------------------------------------------
granted(get(null => 'null'), 'null', 'null listed');
granted(get(null => 'https://example.com'), 'https://example.com', 'null list, https origin');
refused(get(null => 'https://x.example'), 'null list, unlisted');

# --- Credentials: ACAC true with an explicit origin, never with '*' ----------
$res = get(cred => 'https://example.com');
granted($res, 'https://example.com', 'credentials, actual');
is_deeply [header_values($res, $ACAC)], ['true'], 'credentials, actual: ACAC true';
$res = preflight('/basic/cred/data.txt', 'https://other.example', 'PUT', 'X-A');
is $res->code, 204, 'credentials, preflight: 204';
is_deeply [header_values($res, $ACAO)], ['https://other.example'], 'credentials, preflight: ACAO';
is_deeply [header_values($res, $ACAC)], ['true'], 'credentials, preflight: ACAC true';
refused(get(cred => undef), 'credentials, two origins, no Origin');
# Any origin with credentials (explicit unsafe opt-in): always the echo, never '*',
# even with CorsSendWildcard On; nothing without Origin.
$res = get(credany => 'https://x.example');
granted($res, 'https://x.example', 'unsafe any+credentials, actual');
is_deeply [header_values($res, $ACAC)], ['true'], 'unsafe any+credentials: ACAC true';
$res = preflight('/basic/credany/data.txt', 'https://x.example', 'PUT');
is_deeply [header_values($res, $ACAO)], ['https://x.example'], 'unsafe any+credentials, preflight: echo';
is_deeply [header_values($res, $ACAC)], ['true'], 'unsafe any+credentials, preflight: ACAC';
refused(get(credany => undef), 'unsafe any+credentials, no Origin');

# --- Attack origins: never granted, never echoed -----------------------------
# Against a credentialed list (example.com, other.example) ...
my $long = 'https://' . ('a' x 60 . '.') x 80 . 'example.com';   # > 4096 bytes
cmp_ok length $long, '>', 4096, 'long origin is over 4096 bytes';
my @invalid = ('https://example.com, https://evil.net', 'https://example.com,https://evil.net',
               'https://example.com/', 'https://example.com/path',
               'https://example.com@evil.net', 'https://user@example.com',
               'https://example.com https://evil.net', 'https://exa mple.com',
               'https://example.com.', 'https://example..com', $long,
               'https://example.com:99999', 'https://example.com:0443',
               'https://example.com?x', 'https://example.com#x', 'example.com', '*');
for my $o ('https://example.com.evil.net', 'https://evilexample.com', 'null',
           'https://example.com:8443', @invalid) {
    my $n = 'attack on list, ' . (length $o > 60 ? 'origin of ' . length($o) . ' bytes' : $o);
    $res = get(cred => $o);
    is $res->code, 200, "$n: served (200)";
    is_deeply [cors_lines($res)], [], "$n: no Access-Control-* headers";
    unlike $res->headers->as_string, qr/\Q$o\E/, "$n: not echoed";
}
# ... and against the default policy '*', which must not reflect invalid ones.
for my $o (@invalid) {
    my $n = 'attack on *, ' . (length $o > 60 ? 'origin of ' . length($o) . ' bytes' : $o);
    $res = get(default => $o);
    is $res->code, 200, "$n: served (200)";
    is_deeply [cors_lines($res)], [], "$n: no Access-Control-* headers";
    unlike $res->headers->as_string, qr/\Q$o\E/, "$n: not echoed";
}
# Two Origin header lines (httpd joins them with ", "): refused everywhere.
for my $loc (qw(cred default)) {
    $res = get($loc => undef, Origin => 'https://example.com', Origin => 'https://evil.net');
    is $res->code, 200, "two Origin lines on $loc: served (200)";
    is_deeply [cors_lines($res)], [], "two Origin lines on $loc: no Access-Control-* headers";
    unlike $res->headers->as_string, qr/evil\.net/, "two Origin lines on $loc: not echoed";
}
# Attack origins in a preflight: still 204, no Access-Control-Allow-* header.
for my $o ('https://example.com.evil.net', 'null', 'https://example.com, https://evil.net') {
    $res = preflight('/basic/cred/data.txt', $o, 'GET');
    is $res->code, 204, "attack preflight $o: 204";
    is_deeply [cors_lines($res)], [], "attack preflight $o: no Access-Control-* headers";
}
