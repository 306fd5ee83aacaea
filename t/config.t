# Startup validation of every mod_cors directive: `apache2 -t` on a small
# config (CorsTest::config_check). Errors must stop the config test and name
# the directive and the bad value (and say how to fix it where the module
# does); warnings must let it pass and print their text; valid values pass
# without mod_cors saying anything.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;

my @cases;    # [ kind, name, directives, args... ], run in order at the end

# rejected: apache2 -t fails, message names $directive (and $value if defined)
# and matches every extra regex.
sub rejects {
    my ($name, $conf, $directive, $value, @also) = @_;
    push @cases, [ rejects => $name, $conf, $directive, $value, @also ];
}
# accepted, and mod_cors prints nothing at all.
sub passes { my ($name, $conf) = @_; push @cases, [ passes => $name, $conf ] }
# accepted, and the output matches every regex.
sub warns {
    my ($name, $conf, @re) = @_;
    push @cases, [ warns => $name, $conf, @re ];
}

# accepted, and mod_cors printed exactly one line, a warning in its one
# format ("mod_cors: warning: FILE:LINE: text", with the line of the
# directive) that matches every regex.
sub warns_once {
    my ($name, $conf, @re) = @_;
    push @cases, [ warns_once => $name, $conf, @re ];
}

# Output without file paths, line numbers and AH codes, so that a value like
# "1" cannot match "line 12" or "config_check_123_1.conf".
sub scrub {
    my ($out) = @_;
    $out =~ s{\S*/\S*config_check\S*}{}g;
    $out =~ s{\bline \d+}{}g;
    $out =~ s{\bAH\d+}{}g;
    $out =~ s{^\[[^\]]*\d\d:\d\d[^\]]*\]}{}mg;    # log time stamps
    $out =~ s{\[pid [^\]]*\]}{}g;
    return $out;
}

my $fix_origin = qr{scheme://host\[:port\]};

# ------------------------------------------------------------ CorsOrigins
# Malformed origins: directive + value + the origin syntax to write instead.
rejects 'CorsOrigins with a path', 'CorsOrigins https://a.example/api',
    CorsOrigins => 'https://a.example/api', qr/path/, $fix_origin;
rejects 'CorsOrigins with a trailing slash', 'CorsOrigins https://a.example/',
    CorsOrigins => 'https://a.example/', qr/slash/, $fix_origin;
rejects 'CorsOrigins with a query', 'CorsOrigins https://a.example?x',
    CorsOrigins => 'https://a.example?x', qr/query/, $fix_origin;
rejects 'CorsOrigins without scheme', 'CorsOrigins a.example',
    CorsOrigins => 'a.example', qr/scheme/, $fix_origin;
rejects 'CorsOrigins scheme-relative //a.example', 'CorsOrigins //a.example',
    CorsOrigins => '//a.example', qr/scheme/, $fix_origin;
rejects 'CorsOrigins port 0', 'CorsOrigins https://a.example:0',
    CorsOrigins => 'https://a.example:0', qr/port/, $fix_origin;
rejects 'CorsOrigins port 65536', 'CorsOrigins https://a.example:65536',
    CorsOrigins => 'https://a.example:65536', qr/port/, $fix_origin;
rejects 'CorsOrigins port 80a', 'CorsOrigins https://a.example:80a',
    CorsOrigins => 'https://a.example:80a', $fix_origin;
rejects 'CorsOrigins empty port', 'CorsOrigins https://a.example:',
    CorsOrigins => 'https://a.example:', qr/port/, $fix_origin;
rejects 'CorsOrigins with a space (quoted)', 'CorsOrigins "https://a.example x"',
    CorsOrigins => 'https://a.example x', qr/space/, $fix_origin;
rejects 'CorsOrigins comma-joined list',
    'CorsOrigins https://a.example,https://b.example',
    CorsOrigins => 'https://a.example,https://b.example', qr/comma|more than one/,
    qr/one origin per argument|$fix_origin/;
rejects 'CorsOrigins with userinfo', 'CorsOrigins https://user@a.example',
    CorsOrigins => 'https://user@a.example', qr/userinfo/, $fix_origin;
rejects 'CorsOrigins empty host', 'CorsOrigins https://',
    CorsOrigins => 'https://', qr/host/, $fix_origin;
rejects 'CorsOrigins trailing dot in host', 'CorsOrigins https://a.example.',
    CorsOrigins => 'https://a.example.', qr/dot/, $fix_origin;

# Wildcards other than a whole first label: point to *.domain / CorsOriginsMatch.
my $fix_wild = qr{https://\*\.example\.com|CorsOriginsMatch};
rejects 'CorsOrigins wildcard *example.com', 'CorsOrigins *example.com',
    CorsOrigins => '*example.com', $fix_wild;
rejects 'CorsOrigins wildcard https://*example.com', 'CorsOrigins https://*example.com',
    CorsOrigins => 'https://*example.com', $fix_wild;
rejects 'CorsOrigins wildcard in the middle https://a.*.example.com',
    'CorsOrigins https://a.*.example.com',
    CorsOrigins => 'https://a.*.example.com', $fix_wild;
rejects 'CorsOrigins wildcard TLD https://example.*', 'CorsOrigins https://example.*',
    CorsOrigins => 'https://example.*', $fix_wild;
rejects 'CorsOrigins wildcard with trailing slash https://*.example.com/',
    'CorsOrigins https://*.example.com/',
    CorsOrigins => 'https://*.example.com/', qr/slash|path/;

# Valid origins pass silently; null warns.
passes 'CorsOrigins *', 'CorsOrigins *';
warns 'CorsOrigins null warns', 'CorsOrigins null', qr/CorsOrigins[^\n]*null/;
passes 'CorsOrigins https://a.example:8443', 'CorsOrigins https://a.example:8443';
passes 'CorsOrigins http://localhost:3000', 'CorsOrigins http://localhost:3000';
passes 'CorsOrigins https://[::1]:8443', 'CorsOrigins https://[::1]:8443';
passes 'CorsOrigins https://*.example.com', 'CorsOrigins https://*.example.com';
passes 'CorsOrigins HTTPS://A.EXAMPLE', 'CorsOrigins HTTPS://A.EXAMPLE';
passes 'CorsOrigins several on one line and repeated',
    "CorsOrigins https://a.example https://b.example:8443\nCorsOrigins https://c.example";
# SPEC is silent; the module warns about a wildcard right below a TLD.
warns 'CorsOrigins https://*.com warns (whole TLD)', 'CorsOrigins https://*.com',
    qr/CorsOrigins[^\n]*\Qhttps:\/\/*.com\E/;

# Long lists: more than 64 arguments on one line are all read.
my @many = map { "https://o$_.example" } 1 .. 200;
passes 'CorsOrigins with 200 origins on one line', "CorsOrigins @many";
rejects 'CorsOrigins: bad 150th of 200 origins is still checked',
    'CorsOrigins ' . join(' ', @many[0 .. 148], 'https://o150.example/', @many[150 .. 199]),
    CorsOrigins => 'https://o150.example/';

# ------------------------------------------------------- CorsOriginsMatch
rejects 'CorsOriginsMatch (', 'CorsOriginsMatch (', CorsOriginsMatch => '(', qr/regular expression|regex/;
rejects 'CorsOriginsMatch [a-', 'CorsOriginsMatch [a-', CorsOriginsMatch => '[a-', qr/regular expression|regex/;
# Issue 9, item 9: httpd's log doubles backslashes; mod_cors prints a
# message that shows a regex itself, as written.
rejects 'CorsOriginsMatch error shows the regex as written',
    'CorsOriginsMatch "https://a(b\\.example"', CorsOriginsMatch => 'https://a(b\\.example',
    qr{'https://a\(b\\\.example'}, qr{"https://\[a-z0-9-\]\+\\\.example\\\.com"};
passes 'CorsOriginsMatch https://.*\.example\.com', 'CorsOriginsMatch https://.*\.example\.com';
# A bare '.' before a letter or digit matches any character: warn, naming
# the regex (the error log doubles its backslashes). Escaped, bracketed and quantified dots are what they look like.
warns 'CorsOriginsMatch https://app.example\.com warns (bare dot)',
    'CorsOriginsMatch https://app.example\.com',
    qr/CorsOriginsMatch[^\n]*'https:\/\/app\.example\\\.com'[^\n]*any character/,
    qr/write '\\\.' for a dot/;
warns 'CorsOriginsMatch https?://[a-z]+.example.com warns (bare dot)',
    'CorsOriginsMatch https?://[a-z]+.example.com',
    qr/CorsOriginsMatch[^\n]*'https\?:\/\/\[a-z\]\+\.example\.com'/;
passes 'CorsOriginsMatch https://[a-z.]+\.example\.com', 'CorsOriginsMatch https://[a-z.]+\.example\.com';
passes 'CorsOriginsMatch https://app[.]example[.]com', 'CorsOriginsMatch https://app[.]example[.]com';
passes 'CorsOriginsMatch https://.+\.example\.com', 'CorsOriginsMatch https://.+\.example\.com';

# ------------------------------------------------------------ CorsMethods
# Forbidden methods (any case): "remove it".
for my $m (qw(CONNECT TRACE TRACK connect Trace tRaCk)) {
    rejects "CorsMethods $m", "CorsMethods GET $m", CorsMethods => $m, qr/forbidden/, qr/remove/;
}
# Not a token: say what a method name is.
rejects 'CorsMethods "GE T"', 'CorsMethods "GE T"', CorsMethods => 'GE T', qr/token|method name/;
rejects 'CorsMethods G,ET', 'CorsMethods G,ET', CorsMethods => 'G,ET', qr/token|method name/;
rejects 'CorsMethods "PUT "', 'CorsMethods "PUT "', CorsMethods => 'PUT ', qr/token|method name/;
passes 'CorsMethods PUT', 'CorsMethods PUT';
passes 'CorsMethods *', 'CorsMethods *';
passes 'CorsMethods GET POST PATCH', 'CorsMethods GET POST PATCH';

# ------------------------------------------------------- CorsAllowHeaders
# Forbidden request headers: "remove it".
for my $h (qw(Cookie Host Origin Content-Length Sec-Fetch-Mode Proxy-Authorization
              Access-Control-Request-Method cookie)) {
    rejects "CorsAllowHeaders $h", "CorsAllowHeaders X-Ok $h",
        CorsAllowHeaders => $h, qr/forbidden/, qr/remove/;
}
rejects 'CorsAllowHeaders "X Foo"', 'CorsAllowHeaders "X Foo"',
    CorsAllowHeaders => 'X Foo', qr/token|header name/;
rejects 'CorsAllowHeaders X:Foo', 'CorsAllowHeaders X:Foo',
    CorsAllowHeaders => 'X:Foo', qr/token|header name/;
passes 'CorsAllowHeaders X-Requested-With', 'CorsAllowHeaders X-Requested-With';
passes 'CorsAllowHeaders *', 'CorsAllowHeaders *';
passes 'CorsAllowHeaders Authorization', 'CorsAllowHeaders Authorization';

# -------------------------------------------------- CorsAllowHeadersMatch
rejects 'CorsAllowHeadersMatch (', 'CorsAllowHeadersMatch (',
    CorsAllowHeadersMatch => '(', qr/regular expression|regex/;
rejects 'CorsAllowHeadersMatch x-[a-', 'CorsAllowHeadersMatch x-[a-',
    CorsAllowHeadersMatch => 'x-[a-', qr/regular expression|regex/;
passes 'CorsAllowHeadersMatch x-custom-.*', 'CorsAllowHeadersMatch x-custom-.*';
# The fix it suggests is a header-name pattern, not the origin pattern of
# CorsOriginsMatch (catches one example text shared by both directives).
rejects 'CorsAllowHeadersMatch error suggests a header pattern',
    'CorsAllowHeadersMatch x-[a-', CorsAllowHeadersMatch => 'x-[a-',
    qr/e\.g\. "x-myapp-\[a-z-\]\+"/, qr/\A(?!.*example)/s;
rejects 'CorsOriginsMatch error suggests an origin pattern',
    'CorsOriginsMatch https://[a-', CorsOriginsMatch => 'https://[a-',
    qr/e\.g\. "https:\/\/\[a-z0-9-\]\+\\\.example/;

# ------------------------------------------------------ CorsExposeHeaders
rejects 'CorsExposeHeaders "X Total"', 'CorsExposeHeaders "X Total"',
    CorsExposeHeaders => 'X Total', qr/token|header name/;
rejects 'CorsExposeHeaders X:Total', 'CorsExposeHeaders X:Total',
    CorsExposeHeaders => 'X:Total', qr/token|header name/;
warns 'CorsExposeHeaders Set-Cookie warns', 'CorsExposeHeaders X-Total Set-Cookie',
    qr/CorsExposeHeaders[^\n]*Set-Cookie/;
passes 'CorsExposeHeaders X-Total X-Page', 'CorsExposeHeaders X-Total X-Page';

# ------------------------------------------------------------- CorsMaxAge
for my $v (qw(-1 soon 10s 1e3 9999999999)) {
    rejects "CorsMaxAge $v", "CorsMaxAge $v", CorsMaxAge => $v, qr/seconds/;
}
# httpd itself refuses an empty argument to a one-argument directive.
rejects 'CorsMaxAge ""', 'CorsMaxAge ""', CorsMaxAge => undef;
passes 'CorsMaxAge 0', 'CorsMaxAge 0';
passes 'CorsMaxAge 600', 'CorsMaxAge 600';
passes 'CorsMaxAge 7200 (the cap, no warning)', 'CorsMaxAge 7200';
warns 'CorsMaxAge 86400 warns about 7200', 'CorsMaxAge 86400',
    qr/CorsMaxAge[^\n]*7200/, qr/86400/;

# -------------------------------------------------------- On/Off directives
my @flags = qw(Cors CorsSupportsCredentials CorsSendWildcard CorsAlwaysSend
               CorsAutomaticOptions CorsVaryHeader CorsAllowPrivateNetwork
               CorsPreserveBackendHeaders CorsUnsafeAllowAnyOriginWithCredentials
               CorsDebugHeader);
for my $d (@flags) {
    for my $v (qw(yes 1 maybe)) {
        rejects "$d $v", "$d $v", $d => $v, qr/\bOn\b[^\n]*\bOff\b/;
    }
}
for my $d (@flags) {
    # credentials need an explicit origin; "on" last so it is the one in force
    my $extra = $d eq 'CorsSupportsCredentials' ? "CorsOrigins https://a.example\n" : '';
    passes "$d OFF / on (case-insensitive)", "$extra$d OFF\n$d on";
}
# Cors also takes ReportOnly, and says so when given nonsense.
passes 'Cors ReportOnly', 'Cors ReportOnly';
passes 'Cors reportonly (case-insensitive)', 'Cors reportonly';
rejects 'Cors Report', 'Cors Report', Cors => 'Report', qr/On, Off or ReportOnly/;

# ---------------------------------------------------- CorsPreflightStatus
for my $v (qw(201 ok 2O4)) {
    rejects "CorsPreflightStatus $v", "CorsPreflightStatus $v",
        CorsPreflightStatus => $v, qr/200[^\n]*204/;
}
passes 'CorsPreflightStatus 200', 'CorsPreflightStatus 200';
passes 'CorsPreflightStatus 204', 'CorsPreflightStatus 204';

# ------------------------------------------- credentials with any origin
# Error names the directive, its location and how to fix (list origins, or
# the explicit unsafe opt-in).
sub loc { my $body = join "\n", @_; "<Location /config/cred>\n$body\n</Location>" }
my @cred_fix = (qr{/config/cred}, qr/\bCorsOrigins\b/, qr/CorsUnsafeAllowAnyOriginWithCredentials/);
rejects 'credentials + CorsOrigins * (credentials first)',
    loc('CorsSupportsCredentials On', 'CorsOrigins *'),
    CorsSupportsCredentials => 'On', @cred_fix;
rejects 'credentials + CorsOrigins * (origins first)',
    loc('CorsOrigins *', 'CorsSupportsCredentials On'),
    CorsSupportsCredentials => 'On', @cred_fix;
rejects 'credentials + CorsOrigins list containing *',
    loc('CorsSupportsCredentials On', 'CorsOrigins https://a.example *'),
    CorsSupportsCredentials => 'On', @cred_fix;
rejects 'credentials + CorsOriginsMatch .*',
    loc('CorsSupportsCredentials On', 'CorsOriginsMatch .*'),
    CorsSupportsCredentials => 'On', @cred_fix;
rejects 'credentials + CorsOriginsMatch https?://.*',
    loc('CorsOriginsMatch https?://.*', 'CorsSupportsCredentials On'),
    CorsSupportsCredentials => 'On', @cred_fix;
# The error names the directive that opened the policy: CorsOriginsMatch
# for a match-all regex, CorsOrigins for '*' (catches a message that
# always says CorsOrigins, and one that always says CorsOriginsMatch).
rejects 'credentials + match-all regex: the error names CorsOriginsMatch',
    loc('CorsSupportsCredentials On', 'CorsOriginsMatch .*'),
    CorsSupportsCredentials => 'On', qr/allows any origin \(CorsOriginsMatch in /;
rejects 'credentials + CorsOrigins *: the error names CorsOrigins',
    loc('CorsSupportsCredentials On', 'CorsOrigins *'),
    CorsSupportsCredentials => 'On', qr/allows any origin \(CorsOrigins in /;
rejects 'credentials with no CorsOrigins anywhere in the server',
    loc('Cors On', 'CorsSupportsCredentials On'),
    CorsSupportsCredentials => 'On', @cred_fix;
rejects 'credentials in the server config with CorsOrigins *',
    "CorsOrigins *\nCorsSupportsCredentials On",
    CorsSupportsCredentials => 'On', qr/\bCorsOrigins\b/;
rejects 'credentials in a vhost, no CorsOrigins anywhere',
    "<VirtualHost *:80>\nServerName v.example\n<Location /config/v>\nCors On\nCorsSupportsCredentials On\n</Location>\n</VirtualHost>",
    CorsSupportsCredentials => 'On', qr{/config/v}, qr/\bCorsOrigins\b/;
# Issue 9, item 6: a server that never switches Cors on is not judged by
# the default origin policy it would have.
passes 'credentials in a vhost without Cors On anywhere',
    "<VirtualHost *:80>\nServerName v.example\n<Location /config/v>\nCorsSupportsCredentials On\n</Location>\n</VirtualHost>";
passes 'credentials at server level, every vhost that enables Cors lists origins',
    "CorsSupportsCredentials On\n"
    . "<VirtualHost *:80>\nServerName a.example\nCors On\nCorsOrigins https://app.a.example\n</VirtualHost>\n"
    . "<VirtualHost *:80>\nServerName b.example\n<Location /api>\nCors On\nCorsOrigins https://app.b.example\n</Location>\n</VirtualHost>\n"
    . "<VirtualHost *:80>\nServerName c.example\n</VirtualHost>";
rejects 'credentials at server level, the main server itself switches Cors on without origins',
    "CorsSupportsCredentials On\n<Location /config/main>\nCors On\n</Location>\n"
    . "<VirtualHost *:80>\nServerName a.example\nCors On\nCorsOrigins https://app.a.example\n</VirtualHost>",
    CorsSupportsCredentials => 'On', qr/default origin policy/;
# Issue 9, item 5: null with credentials is credentials with any origin.
my @null_fix = (qr/'null'/, qr/sandboxed iframe/, qr/CorsUnsafeAllowAnyOriginWithCredentials/);
rejects 'credentials + CorsOrigins null in one section',
    loc('Cors On', 'CorsOrigins null https://app.example.com', 'CorsSupportsCredentials On'),
    CorsSupportsCredentials => 'On', qr{/config/cred}, @null_fix;
rejects 'credentials at server level, CorsOrigins null in a Location',
    "CorsSupportsCredentials On\n<Location /config/n>\nCors On\nCorsOrigins null https://a.example\n</Location>",
    CorsSupportsCredentials => 'On', qr{/config/n}, @null_fix;
rejects 'credentials in a vhost, CorsOrigins null in its Location',
    "<VirtualHost *:80>\nServerName v.example\nCorsSupportsCredentials On\n"
    . "<Location /config/n>\nCors On\nCorsOrigins null https://a.example\n</Location>\n</VirtualHost>",
    CorsSupportsCredentials => 'On', qr/VirtualHost/, @null_fix;
rejects 'credentials in a Location, CorsOrigins null in an <If> inside it',
    loc('Cors On', 'CorsOrigins https://a.example', 'CorsSupportsCredentials On',
        "<If \"true\">\nCorsOrigins null\n</If>"),
    CorsSupportsCredentials => 'On', @null_fix;
rejects 'credentials in the main server, CorsOrigins null in a vhost',
    "CorsSupportsCredentials On\nCorsOrigins https://a.example\n"
    . "<VirtualHost *:80>\nServerName v.example\nCors On\nCorsOrigins null\n</VirtualHost>",
    CorsSupportsCredentials => 'On', @null_fix;
warns 'credentials + null with the unsafe opt-in: only the null warning',
    loc('Cors On', 'CorsOrigins null https://a.example', 'CorsSupportsCredentials On',
        'CorsUnsafeAllowAnyOriginWithCredentials On'),
    qr/CorsOrigins[^\n]*'null'/;
warns 'CorsOrigins null where CorsSupportsCredentials Off overrides the server\'s On',
    "CorsSupportsCredentials On\nCorsOrigins https://a.example\n"
    . "<Location /config/n>\nCors On\nCorsOrigins null\nCorsSupportsCredentials Off\n</Location>",
    qr/CorsOrigins[^\n]*'null'/;
passes 'credentials + CorsOrigins https://a.example',
    loc('CorsSupportsCredentials On', 'CorsOrigins https://a.example');
passes 'credentials + a non-match-all CorsOriginsMatch',
    loc('CorsSupportsCredentials On', 'CorsOriginsMatch https://[a-z]+\.example\.com');
# Only a startup error when NO section of the server sets an origin policy;
# other merges are refused at request time (SPEC "Credentials with any origin").
passes 'credentials in one Location, CorsOrigins in another',
    "<Location /config/o>\nCorsOrigins https://a.example\n</Location>\n"
    . loc('CorsSupportsCredentials On');
passes 'credentials + * + CorsUnsafeAllowAnyOriginWithCredentials (unsafe first)',
    loc('CorsUnsafeAllowAnyOriginWithCredentials On', 'CorsSupportsCredentials On', 'CorsOrigins *');
passes 'credentials + * + CorsUnsafeAllowAnyOriginWithCredentials (unsafe last)',
    loc('CorsOrigins *', 'CorsSupportsCredentials On', 'CorsUnsafeAllowAnyOriginWithCredentials On');
rejects 'credentials + CorsOrigins * in a top-level <Files>',
    "<Files cred.txt>\nCorsOrigins *\nCorsSupportsCredentials On\n</Files>",
    CorsSupportsCredentials => 'On', qr/cred\.txt/, qr/CorsUnsafeAllowAnyOriginWithCredentials/;
rejects 'credentials + match-all regex in a top-level <If>',
    "<If \"true\">\nCorsOriginsMatch \"https://.*\"\nCorsSupportsCredentials On\n</If>",
    CorsSupportsCredentials => 'On', qr/CorsUnsafeAllowAnyOriginWithCredentials/;
passes 'CorsUnsafeAllowAnyOriginWithCredentials at server level covers the sections',
    "CorsUnsafeAllowAnyOriginWithCredentials On\n" . loc('Cors On', 'CorsSupportsCredentials On');
# A virtual host's server level is merged with the main server's:
# credentials set in the main server and "*" in the vhost is credentials
# with any origin in that vhost.
rejects 'credentials in the main server, CorsOrigins * in a vhost',
    "CorsSupportsCredentials On\nCorsOrigins https://a.example\n"
    . "<VirtualHost *:80>\nServerName v.example\nCors On\nCorsOrigins *\n</VirtualHost>",
    CorsSupportsCredentials => 'On', qr/VirtualHost/, qr/any origin/;
rejects 'credentials and CorsOrigins * both in one vhost',
    "<VirtualHost *:80>\nServerName v.example\nCorsOrigins *\nCorsSupportsCredentials On\n</VirtualHost>",
    CorsSupportsCredentials => 'On', qr/VirtualHost/;
warns 'credentials + CorsExposeHeaders * warns',
    loc('CorsSupportsCredentials On', 'CorsOrigins https://a.example', 'CorsExposeHeaders *'),
    qr/CorsExposeHeaders/, qr/list the headers/;
warns 'credentials + http:// origin warns',
    loc('CorsSupportsCredentials On', 'CorsOrigins https://b.example http://a.example'),
    qr/CorsSupportsCredentials/, qr{http://a\.example}, qr/unencrypted|http:/;

# --------------------------------------- warnings wherever they are said
# Issue 9, item 7: every startup warning reaches the console once, in one
# format, inside a <VirtualHost> (where httpd has no log open yet) as
# much as at server level.
my %warning = (
    'CorsOrigins null'          => [ 'CorsOrigins null', qr/'null'/ ],
    'CorsOrigins https://*.com' => [ 'CorsOrigins https://*.com', qr/top-level domain/ ],
    'CorsMaxAge 86400'          => [ 'CorsMaxAge 86400', qr/7200/ ],
    'CorsOriginsMatch bare dot' => [ 'CorsOriginsMatch "https://app.example\\.com"',
                                     qr/'https:\/\/app\.example\\\.com'/ ],
    'CorsExposeHeaders Set-Cookie' => [ 'CorsExposeHeaders Set-Cookie', qr/Set-Cookie/ ],
    'CorsMethods get'           => [ 'CorsMethods get', qr/'get' is taken as 'GET'/ ],
    'credentials + http:// origin' => [ "Cors On\nCorsOrigins http://a.example\nCorsSupportsCredentials On",
                                        qr{unencrypted origin http://a\.example} ],
);
my %where = (
    'server config' => "%s",
    '<VirtualHost>' => "<VirtualHost *:80>\nServerName v.example\n%s\n</VirtualHost>",
    '<Location> in <VirtualHost>'
        => "<VirtualHost *:80>\nServerName v.example\n<Location /config/w>\n%s\n</Location>\n</VirtualHost>",
    '<IfModule> in <VirtualHost>'
        => "<VirtualHost *:80>\nServerName v.example\n<IfModule mod_cors.c>\n%s\n</IfModule>\n</VirtualHost>",
);
for my $w (sort keys %warning) {
    for my $ctx (sort keys %where) {
        my ($conf, $re) = @{ $warning{$w} };
        warns_once "$w in $ctx: one warning", sprintf($where{$ctx}, $conf), $re;
    }
}

# ------------------------------------------------------------ CorsMethods
# Issue 9, item 4: the six methods browsers upper-case are upper-cased,
# with a warning; others are kept as written, with a warning.
warns_once 'CorsMethods get', 'CorsMethods get', qr/'get' is taken as 'GET'/;
warns_once 'CorsMethods Delete', 'CorsMethods Delete', qr/'Delete' is taken as 'DELETE'/;
warns_once 'CorsMethods patch', 'CorsMethods patch',
    qr/'patch' is kept as written/, qr/not 'PATCH'/;
warns_once 'CorsMethods Propfind', 'CorsMethods Propfind',
    qr/'Propfind' is kept as written/, qr/not 'PROPFIND'/;
passes 'CorsMethods PATCH PROPFIND', 'CorsMethods PATCH PROPFIND';

# ------------------------------------------- origins as browsers write them
# IPv6 literals are compared in the form browsers send (WHATWG URL); an IDN
# must be written in punycode (httpd's log shows the bytes as \xNN).
passes 'CorsOrigins http://[0:0::1]', 'CorsOrigins http://[0:0::1]';
passes 'CorsOrigins http://[::ffff:1.2.3.4]:8080', 'CorsOrigins http://[::ffff:1.2.3.4]:8080';
rejects 'CorsOrigins http://[12345::1]', 'CorsOrigins http://[12345::1]',
    CorsOrigins => 'http://[12345::1]', qr/IPv6/;
rejects 'CorsOrigins http://[1:2:3:4:5:6:7:8:9]', 'CorsOrigins http://[1:2:3:4:5:6:7:8:9]',
    CorsOrigins => 'http://[1:2:3:4:5:6:7:8:9]', qr/IPv6/;
rejects 'CorsOrigins in Unicode', "CorsOrigins https://b\xc3\xbccher.example",
    CorsOrigins => 'https://b\xc3\xbccher.example', qr/punycode/, qr/xn--/;
rejects 'CorsOrigins wildcard in Unicode', "CorsOrigins https://*.b\xc3\xbccher.example",
    CorsOrigins => 'https://*.b\xc3\xbccher.example', qr/punycode/;
passes 'CorsOrigins https://xn--bcher-kva.example', 'CorsOrigins https://xn--bcher-kva.example';

# ------------------------------------------------------------ wrong arity
rejects 'CorsMaxAge without argument', 'CorsMaxAge', CorsMaxAge => undef;
rejects 'CorsMaxAge with two arguments', 'CorsMaxAge 1 2', CorsMaxAge => undef;
rejects 'Cors without argument', 'Cors', Cors => undef;
rejects 'Cors with two arguments', 'Cors On Off', Cors => undef;
rejects 'CorsPreflightStatus with two arguments', 'CorsPreflightStatus 200 204',
    CorsPreflightStatus => undef;
rejects 'CorsOrigins without argument', 'CorsOrigins', CorsOrigins => undef;

# ------------------------------------------------- every context accepts all
my $all = join "\n", 'Cors On', 'CorsOrigins https://a.example https://*.example.com',
    'CorsOriginsMatch https://[a-z]+\.example\.org', 'CorsMethods GET PUT',
    'CorsAllowHeaders X-Requested-With Authorization', 'CorsAllowHeadersMatch x-app-.*',
    'CorsExposeHeaders X-Total', 'CorsSupportsCredentials On', 'CorsMaxAge 600',
    'CorsSendWildcard Off', 'CorsAlwaysSend On', 'CorsAutomaticOptions On',
    'CorsVaryHeader On', 'CorsAllowPrivateNetwork On', 'CorsPreflightStatus 200',
    'CorsPreserveBackendHeaders Off', 'CorsUnsafeAllowAnyOriginWithCredentials Off',
    'CorsDebugHeader Off';
my %contexts = (
    'server config'        => "%s",
    '<Location>'           => "<Location /config/ctx>\n%s\n</Location>",
    '<LocationMatch>'      => "<LocationMatch ^/config/ctx>\n%s\n</LocationMatch>",
    '<Directory>'          => "<Directory /tmp/config-ctx>\n%s\n</Directory>",
    '<DirectoryMatch>'     => "<DirectoryMatch ^/tmp/config-ctx>\n%s\n</DirectoryMatch>",
    '<Files>'              => "<Files ctx.json>\n%s\n</Files>",
    '<FilesMatch>'         => "<FilesMatch \\.json\$>\n%s\n</FilesMatch>",
    '<If "true">'          => "<If \"true\">\n%s\n</If>",
    '<VirtualHost *:80>'   => "<VirtualHost *:80>\nServerName v.example\n%s\n</VirtualHost>",
    '<Location> in <VirtualHost>'
        => "<VirtualHost *:80>\nServerName v.example\n<Location /config/ctx>\n%s\n</Location>\n</VirtualHost>",
    '<If> in <Location>'   => "<Location /config/ctx>\n<If \"true\">\n%s\n</If>\n</Location>",
);
for my $ctx (sort keys %contexts) {
    passes "every directive in $ctx", sprintf $contexts{$ctx}, $all;
}

# ------------------------------------------------------------------- run
plan tests => scalar(@cases), need_module('cors');

for my $c (@cases) {
    my ($kind, $name, $conf, @args) = @$c;
    my ($ok, $out) = config_check($conf);
    my $msg = scrub($out);
    my @bad;
    if ($kind eq 'rejects') {
        my ($directive, $value, @also) = @args;
        push @bad, 'apache2 -t accepted it' if $ok;
        push @bad, 'unknown directive' if $msg =~ /Invalid command/;
        push @bad, "message does not name $directive"
            unless $msg =~ /\b\Q$directive\E\b/;
        push @bad, "message does not name the value '$value' after $directive"
            if defined $value
            && $msg !~ /\b\Q$directive\E\b[^\n]*(?<!\w)\Q$value\E(?!\w)/;
        for my $re (@also) {
            push @bad, "message does not match $re" unless $msg =~ $re;
        }
    }
    elsif ($kind eq 'passes') {
        push @bad, 'apache2 -t failed' unless $ok;
        push @bad, 'mod_cors printed something' if $msg =~ /cors/i;
    }
    elsif ($kind eq 'warns_once') {
        push @bad, 'apache2 -t failed' unless $ok;
        my @said = grep { /cors/i } split /\n/, $out;
        push @bad, 'mod_cors printed ' . scalar(@said) . ' lines, not one' if @said != 1;
        push @bad, 'not in the format "mod_cors: warning: FILE:LINE: text"'
            unless ($said[0] // '') =~ m{^mod_cors: warning: \S+\.conf:\d+: \S};
        for my $re (@args) {
            push @bad, "output does not match $re" unless $msg =~ $re;
        }
    }
    else {
        push @bad, 'apache2 -t failed' unless $ok;
        for my $re (@args) {
            push @bad, "output does not match $re" unless $msg =~ $re;
        }
    }
    ok(!@bad, $name)
        or diag join("\n", @bad), "\n--- directives:\n$conf\n--- apache2 -t:\n$out";
}
