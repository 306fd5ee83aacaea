use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;

# Debug logging (extra.conf: LogLevel warn cors:trace8): one cors line per
# decision, naming the reason and the offending request value, escaped.
# Values with control bytes go to the scope_vhost, whose
# HttpProtocolOptions Unsafe lets them through to mod_cors (the main
# server's Strict default answers them with 400 before any module runs).

plan tests => 32, need_module('cors');

my $vh = 'http://' . Apache::Test::config()->{vhosts}{scope_vhost}{hostport};

# Send a request, return the log text and the decision lines mod_cors
# logged for it (debug and above; trace1 adds the answer's details).
sub logged_lines {
    my ($code) = @_;
    my $mark = error_log_mark();
    $code->();
    my $text = error_log_since($mark);
    return ($text, grep { /\[cors:(?!trace)/ } split /\n/, $text);
}

my ($text, @lines);

# Allowed: which entry matched, in which section.
($text, @lines) = logged_lines(sub { cors_request(GET => '/scope/loc/f.txt', 'https://loc.example') });
is scalar @lines, 1, 'allowed request: one cors line';
like $lines[0] // '', qr{\[cors:debug\].*request from origin https://loc\.example allowed by 'https://loc\.example' in <Location /scope/loc> at \S+scope\.conf:\d+$},
    'allowed request: names the entry and the section';
like $text, qr{\[cors:trace1\].*answer: origin https://loc\.example, credentials},
    'allowed request: trace1 shows the answer';

# Refused origin.
($text, @lines) = logged_lines(sub { cors_request(GET => '/scope/loc/f.txt', 'https://evil.example') });
is scalar @lines, 1, 'refused origin: one cors line';
like $lines[0] // '', qr{\[cors:debug\].*request from origin https://evil\.example refused in <Location /scope/loc> at \S+: .*matches no CorsOrigins},
    'refused origin: names origin and reason';

# Refused method.
($text, @lines) = logged_lines(sub { preflight('/scope/loc/f.txt', 'https://loc.example', 'PROPFIND', undef) });
is scalar @lines, 1, 'refused method: one cors line';
like $lines[0] // '', qr{preflight from origin https://loc\.example refused in <Location /scope/loc> at \S+: method not allowed by CorsMethods \('PROPFIND'\)},
    'refused method: names the method';

# Refused header: the one that was refused, not the allowed one.
($text, @lines) = logged_lines(sub { preflight('/scope/loc/f.txt', 'https://loc.example', 'PUT', 'X-Loc, X-Bad') });
is scalar @lines, 1, 'refused header: one cors line';
like $lines[0] // '', qr{preflight from origin https://loc\.example refused in <Location /scope/loc> at \S+: header not allowed .*\('x-bad'\)}i,
    'refused header: names the header';

# Control bytes and quotes in request values are logged escaped: never
# raw, the line stays one line, and the value is recognisable (\xHH).
my @cases = (
    [ 'origin with \x01',
      sub { cors_request(GET => "$vh/scope/vh/f.txt", "https://vh.example\x01") },
      qr{request from origin https://vh\.example\\+x01 refused} ],
    [ 'origin with ESC sequence',
      sub { cors_request(GET => "$vh/scope/vh/f.txt", "https://vh.example\x1b[2J") },
      qr{request from origin https://vh\.example\\+x1b\[2J refused} ],
    [ 'origin with a quote',
      sub { cors_request(GET => "$vh/scope/vh/f.txt", 'https://vh.example"x') },
      qr{request from origin https://vh\.example\\+"x refused} ],
    [ 'origin with a byte above 127',
      sub { cors_request(GET => "$vh/scope/vh/f.txt", "https://vh.example\xff") },
      qr{request from origin https://vh\.example\\+xff refused} ],
    [ 'method with \x01',
      sub { preflight("$vh/scope/vh/f.txt", 'https://vh.example', "PU\x01T", undef) },
      qr{preflight from origin https://vh\.example refused in .*: method not allowed by CorsMethods \('PU\\+x01T'\)} ],
    [ 'header list with \x01',
      sub { preflight("$vh/scope/vh/f.txt", 'https://vh.example', 'PUT', "x-a\x01b") },
      qr{preflight from origin https://vh\.example refused in .*: .*\('\\+x01b'\)} ],
    [ 'header list with a quote',
      sub { preflight("$vh/scope/vh/f.txt", 'https://vh.example', 'PUT', 'x-a, "q') },
      qr{preflight from origin https://vh\.example refused in .*: .*\('\\+"q'\)} ],
);
for my $c (@cases) {
    my ($name, $send, $re) = @$c;
    ($text, @lines) = logged_lines($send);
    is scalar @lines, 1, "$name: exactly one cors line";
    like $lines[0] // '', $re, "$name: value logged escaped";
    unlike $text, qr/[\x00-\x08\x0b-\x1f\x7f-\xff]/, "$name: no raw control byte in the error_log";
}

# The escaped line is a whole line: it ends with the reason, nothing
# spilled onto a line of its own.
($text, @lines) = logged_lines(sub { cors_request(GET => "$vh/scope/vh/f.txt", "https://vh.example\x01") });
my @all = grep { length } split /\n/, $text;
is scalar @all, 1, 'control byte: the request adds a single error_log line';
like $all[0] // '', qr{^\[[^\]]+\] \[cors:debug\] .*contains a control character$},
    'control byte: that line starts with the timestamp and ends with the reason';
