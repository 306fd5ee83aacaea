# Attack corpus, Origin: the published CORS bypass catalogue (pre- and
# post-domain names, userinfo, odd characters, white space, dots, case,
# ports, schemes, IP and IDN forms, null and file:, comma-joined lists,
# overlong values, control bytes) against the policies admins write.
# Each hostile case must get no Access-Control-* header at all, on a
# simple GET and on a preflight, with the normal status; a few allowed
# origins are controls, so a policy that grants nothing fails the file.
# Config: t/conf/attack.conf.in. Requests go to the attack_big vhost, whose
# HttpProtocolOptions Unsafe and 200000-byte header limit let every byte
# reach mod_cors instead of httpd's parser (t/attack_raw.t covers that).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsAttack;

my $big = vhost_url('attack_big');

# Origins that look like an allowed one but are not: well-formed origins
# (so the default '*' policy would echo them), refused by every policy below.
my @lookalike = (
    # pre-domain: the allowed name is a suffix of another name
    [ 'pre-domain',                        'https://evilexample.com' ],
    [ 'pre-domain with a hyphen',          'https://evil-example.com' ],
    [ 'pre-domain, subdomain of it',       'https://www.evilexample.com' ],
    [ 'pre-domain, name doubled',          'https://exampleexample.com' ],
    [ 'pre-domain, a digit',               'https://1example.com' ],
    [ 'pre-domain, mixed case',            'https://EvilExample.Com' ],
    # post-domain: the allowed name is a prefix of another name
    [ 'post-domain',                       'https://example.com.evil.net' ],
    [ 'post-domain, no dot',               'https://example.comevil.net' ],
    [ 'post-domain, hyphen',               'https://example.com-evil.net' ],
    [ 'post-domain, underscore',           'https://example.com_evil.net' ],
    [ 'post-domain, underscore label',     'https://example.com_.evil.net' ],
    [ 'post-domain on a subdomain',        'https://www.example.com.evil.net' ],
    [ 'post-domain, upper case',           'HTTPS://EXAMPLE.COM.EVIL.NET' ],
    [ 'post-domain, default port',         'https://example.com.evil.net:443' ],
    [ 'post-domain, 63-byte label',        'https://example.com.' . ('a' x 63) . '.net' ],
    [ 'longer top-level domain',           'https://example.community' ],
    [ 'shorter top-level domain',          'https://example.co' ],
    [ 'other top-level domain',            'https://example.net' ],
    [ 'underscore for the dot',            'https://example_com' ],
    # scheme and port
    [ 'scheme downgrade',                  'http://example.com' ],
    [ 'scheme downgrade, subdomain',       'http://www.example.com' ],
    [ 'port 8443',                         'https://example.com:8443' ],
    [ 'port 80 on https',                  'https://example.com:80' ],
    [ 'https on the http entry port',      'https://example.com:8080' ],
    [ 'http entry without its port',       'http://example.com:80' ],
    [ 'http entry, next port',             'http://example.com:8081' ],
    [ 'subdomain on port 8443',            'https://www.example.com:8443' ],
    [ 'wss scheme',                        'wss://example.com' ],
    [ 'ws scheme on the entry port',       'ws://example.com:8080' ],
    [ 'ftp scheme',                        'ftp://example.com' ],
    [ 'scheme with a suffix',              'httpss://example.com' ],
    [ 'scheme with a plus',                'https+x://example.com' ],
    [ 'browser extension scheme',          'chrome-extension://example.com' ],
    [ 'file scheme with a host',           'file://example.com' ],
    [ 'null as a scheme',                  'null://example.com' ],
    # IP and IDN forms
    [ 'IPv4 literal',                      'https://93.184.215.14' ],
    [ 'IPv4 in hex',                       'https://0x5db8d70e' ],
    [ 'IPv4 as one number',                'https://1572395790' ],
    [ 'IPv6 loopback',                     'https://[::1]' ],
    [ 'IPv4-mapped IPv6',                  'https://[::ffff:93.184.215.14]' ],
    [ 'IPv6 on the entry port',            'http://[::1]:8080' ],
    [ 'punycode lookalike',                'https://xn--exmple-4nf.com' ],
    [ 'punycode top-level domain',         'https://example.xn--p1ai' ],
);

# Values that are not one serialised origin: refused everywhere, even by
# the default '*' policy and by a loose regex that ends in example\.com.
my $long5k = 'https://' . ('a' x 5000) . '.example.com';
my $just_over = 'https://' . ('a' x (4097 - 8 - 12)) . '.example.com';
my $huge = 'https://' . ('a.' x 51200) . 'example.com';
my @malformed = (
    # userinfo
    [ 'userinfo, allowed name as user',    'https://example.com@evil.net' ],
    [ 'userinfo, allowed name as host',    'https://evil.net@example.com' ],
    [ 'userinfo with a password',          'https://example.com:pass@evil.net' ],
    [ 'userinfo, empty password',          'https://example.com:@evil.net' ],
    [ 'percent-encoded at-sign',           'https://example.com%40evil.net' ],
    [ 'backslash and at-sign',             'https://evil.net\\@example.com' ],
    # odd characters after the allowed name (browsers send some of them)
    (map { [ "'$_' after the name", "https://example.com$_.evil.net" ] }
         '`', '$', '~', '&', "'", '"', '!', '=', ';', '{', '}', '+', '|',
         '(', ')', '*', '^', '<', '>', '%', '\\', ','),
    [ '%60 (backtick, encoded)',           'https://example.com%60.evil.net' ],
    [ 'percent-encoded dot',               'https://example%2ecom' ],
    [ 'percent-encoded CRLF',              'https://example.com%0d%0a.evil.net' ],
    [ 'percent-encoded NUL',               'https://example.com%00.evil.net' ],
    # white space
    [ 'space inside',                      'https://example.com .evil.net' ],
    [ 'tab inside',                        "https://example.com\t.evil.net" ],
    [ 'space before ://',                  'https ://example.com' ],
    [ 'space in the host',                 'https://exa mple.com' ],
    # dots
    [ 'trailing dot',                      'https://example.com.' ],
    [ 'two trailing dots',                 'https://example.com..' ],
    [ 'trailing dot on a subdomain',       'https://www.example.com.' ],
    [ 'trailing dot before the port',      'https://example.com.:443' ],
    [ 'leading dot',                       'https://.example.com' ],
    [ 'double dot',                        'https://www..example.com' ],
    # paths, queries, fragments
    [ 'trailing slash',                    'https://example.com/' ],
    [ 'allowed name as a path',            'https://evil.net/example.com' ],
    [ 'path after the allowed name',       'https://example.com/.evil.net' ],
    [ 'allowed name as a query',           'https://evil.net?example.com' ],
    [ 'allowed name as a fragment',        'https://evil.net#example.com' ],
    [ 'backslash path',                    'https://evil.net\\example.com' ],
    [ 'the wildcard entry itself',         'https://*.example.com' ],
    [ 'a bare star',                       '*' ],
    # several origins in one value
    [ 'two origins, comma',                'https://example.com, https://evil.net' ],
    [ 'two origins, evil first',           'https://evil.net, https://example.com' ],
    [ 'two origins, no space',             'https://example.com,https://evil.net' ],
    [ 'two origins, a space',              'https://example.com https://evil.net' ],
    [ 'allowed origin and null',           'https://example.com, null' ],
    [ 'allowed origin twice',              'https://example.com, https://example.com' ],
    # scheme forms
    [ 'no scheme',                         'example.com' ],
    [ 'scheme-relative',                   '//example.com' ],
    [ 'one slash',                         'https:/example.com' ],
    [ 'no slashes',                        'https:example.com' ],
    [ 'three slashes',                     'https:///example.com' ],
    [ 'no colon',                          'https//example.com' ],
    [ 'scheme only',                       'https://' ],
    # ports
    [ 'leading-zero port',                 'https://example.com:0443' ],
    [ 'empty port',                        'https://example.com:' ],
    [ 'port 0',                            'https://example.com:0' ],
    [ 'port 65536',                        'https://example.com:65536' ],
    [ 'negative port',                     'https://example.com:-443' ],
    [ 'two ports',                         'https://example.com:443:443' ],
    [ '20-digit port',                     'https://example.com:' . ('9' x 20) ],
    [ 'port with a letter',                'https://example.com:443a' ],
    [ 'port, then post-domain',            'https://example.com:443.evil.net' ],
    [ 'entry port with a leading zero',    'http://example.com:08080' ],
    # IPv6 and IDN forms that are not hosts
    [ 'IPv6 brackets around a name',       'https://[example.com]' ],
    [ 'empty IPv6 brackets',               'https://[]' ],
    [ 'unclosed IPv6',                     'https://[::1' ],
    [ 'IPv6, then post-domain',            'https://[::1].example.com' ],
    [ 'IPv6 zone id',                      'https://[fe80::1%25eth0]' ],
    [ 'IDN, Cyrillic a (UTF-8)',           "https://ex\xd0\xb0mple.com" ],
    [ 'IDN, fullwidth e (UTF-8)',          "https://\xef\xbd\x85xample.com" ],
    [ 'ideographic full stop',             "https://example.com\xe3\x80\x82evil.net" ],
    [ 'Latin-1 byte',                      "https://example.com\xe9.evil.net" ],
    [ 'overlong UTF-8 dot',                "https://example.com\xc0\xaeevil.net" ],
    [ 'zero-width space',                  "https://example.com\xe2\x80\x8b.evil.net" ],
    # null and local files
    [ 'null',                              'null' ],
    [ 'NULL, upper case',                  'NULL' ],
    [ 'file URL',                          'file:///etc/passwd' ],
    [ 'file scheme, empty host',           'file://' ],
    [ 'data URL',                          'data:text/html,<script>alert(1)</script>' ],
    [ 'javascript URL',                    'javascript:alert(1)' ],
    [ 'about:blank',                       'about:blank' ],
    [ 'empty Origin',                      '' ],
    # length
    [ 'overlong, 5 KB, matches the pattern', $long5k ],
    [ 'overlong, 4097 bytes',              $just_over ],
    [ 'overlong, 100 KiB',                 $huge ],
    # control bytes (Unsafe lets them through to mod_cors)
    [ 'SOH byte',                          "https://example.com\x01" ],
    [ 'DEL byte',                          "https://example.com\x7f" ],
    [ 'backspace',                         "https://example.com\x08" ],
    # httpd's parser answers 400 to these even under Unsafe
    [ 'vertical tab',                      "https://example.com\x0b.evil.net", 400 ],
    [ 'form feed',                         "https://example.com\x0c.evil.net", 400 ],
    [ 'ANSI escape sequence',              "https://example.com\x1b[31m" ],
);

# Policies that refuse every lookalike; the malformed ones also go to the
# default '*' policy and to the loose regex.
my @strict_policies = qw(exact port sub regex);
my @all_policies = (@strict_policies, qw(regexlazy star));

# Allowed origins: [policy, origin, credentials]. The same requests as the
# hostile cases, so a policy that refuses everything fails here.
my $long_ok = 'https://' . (('a' x 63) . '.') x 60 . 'example.com';
my @controls = (
    [ exact     => 'https://example.com',     1 ],
    [ exact     => 'HTTPS://EXAMPLE.COM',     1 ],
    [ exact     => 'https://example.com:443', 1 ],
    [ port      => 'http://example.com:8080', 0 ],
    [ sub       => 'https://www.example.com', 1 ],
    [ sub       => 'https://a.b.example.com', 1 ],
    [ sub       => $long_ok,                  1 ],
    [ regex     => 'https://example.com',     1 ],
    [ regex     => 'https://api.example.com', 1 ],
    [ regexdot  => 'https://app.example.com', 1 ],
    [ regexlazy => 'https://www.example.com', 1 ],
    [ star      => 'https://evilexample.com', 0 ],
);

# The regex traps: [policy, origin, granted?, why]. What the admin's
# regex really allows, documented: an unescaped dot matches any byte, a
# leading .* matches pre-domain names. mod_cors anchors every regex and
# gives it only a well-formed scheme://host[:port], so no regex can be
# made to match a path, userinfo, a second origin or a post-domain name.
my @regex_traps = (
    [ regexdot  => 'https://appXexample.com',  1, 'unescaped dot matches X (the admin\'s regex)' ],
    [ regexdot  => 'https://app-example.com',  1, 'unescaped dot matches - (the admin\'s regex)' ],
    [ regexdot  => 'https://app.example.com.evil.net', 0, 'anchored: no post-domain' ],
    [ regexdot  => 'https://evil.app.example.com', 0, 'anchored: no prefix' ],
    [ regexdot  => 'http://app.example.com',   0, 'other scheme' ],
    [ regex     => 'https://appXexample.com',  0, 'escaped dots: X does not match' ],
    [ regex     => 'https://wwwexample.com',   0, 'escaped dots: no pre-domain' ],
    [ regexlazy => 'https://evilexample.com',  1, 'leading .* matches pre-domain (the admin\'s regex)' ],
    [ regexlazy => 'https://example.com.evil.net', 0, 'anchored: no post-domain' ],
    [ regexlazy => 'https://evil.net/example.com', 0, 'a path never reaches the regex' ],
    [ regexlazy => 'https://evil.net?example.com', 0, 'a query never reaches the regex' ],
    [ regexlazy => 'https://evil.net#example.com', 0, 'a fragment never reaches the regex' ],
    [ regexlazy => 'https://evil.net@example.com', 0, 'userinfo never reaches the regex' ],
    [ regexlazy => 'https://evil.net, https://example.com', 0, 'a list never reaches the regex' ],
    [ regexlazy => 'https://evil.net example.com', 0, 'white space never reaches the regex' ],
    [ regexlazy => "https://evil.net\texample.com", 0, 'a tab never reaches the regex' ],
    [ regexlazy => 'https://evil.net%2fexample.com', 0, 'percent-encoding never reaches the regex' ],
    [ regexlazy => 'https://evil.net:443/example.com', 0, 'port and path never reach the regex' ],
);

plan tests => 6 * (@lookalike * @strict_policies + @malformed * @all_policies)
              + 5 * @controls + 2 * @regex_traps + 3,
    need_module('cors');

my $mark = error_log_mark();

sub get { cors_request(GET => "$big/attack/$_[0]/data.txt", $_[1]) }
sub pre { preflight("$big/attack/$_[0]/data.txt", $_[1], 'PUT', 'content-type') }

sub refused_everywhere {
    my ($policies, $case) = @_;
    my ($what, $origin, $status) = @$case;
    for my $pol (@$policies) {
        my $n = "$pol: $what (" . show($origin) . ')';
        my $res = get($pol, $origin);
        is $res->code, $status || 200, "$n: GET status";
        no_grant($res, $origin, "$n: GET");
        $res = pre($pol, $origin);
        is $res->code, $status || 204, "$n: preflight status";
        no_grant($res, $origin, "$n: preflight");
    }
}

refused_everywhere(\@strict_policies, $_) for @lookalike;
refused_everywhere(\@all_policies, $_) for @malformed;

for my $c (@controls) {
    my ($pol, $origin, $cred) = @$c;
    my $n = "control $pol: " . show($origin);
    my $res = get($pol, $origin);
    is_deeply [header_values($res, $ACAO)], [$origin], "$n: GET granted, echoed as sent";
    is_deeply [header_values($res, $ACAC)], $cred ? ['true'] : [], "$n: GET credentials";
    $res = pre($pol, $origin);
    is $res->code, 204, "$n: preflight 204";
    is_deeply [header_values($res, $ACAO)], [$origin], "$n: preflight granted";
    is scalar(header_values($res, $ACAM)), 1, "$n: preflight allows methods";
}

for my $t (@regex_traps) {
    my ($pol, $origin, $granted, $why) = @$t;
    my $n = "regex $pol: " . show($origin) . ": $why";
    my $res = get($pol, $origin);
    is $res->code, 200, "$n: 200";
    is_deeply [header_values($res, $ACAO)], $granted ? [$origin] : [],
        "$n: " . ($granted ? 'granted' : 'refused');
}

alive_ok($mark);
