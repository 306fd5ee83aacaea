# Issue 10, part 3: `apachectl -t -D DUMP_CORS` prints, for each server and
# virtual host, every section with a Cors directive in configuration
# order, each field with its value and where it comes from along the
# chain httpd merges statically; per-request merges are named as such.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;

plan tests => 29, need_module('cors');

my $conf = <<'CONF';
CorsSupportsCredentials On
CorsMaxAge 600
<Directory /tmp/ops-dump-htaccess>
    AllowOverride FileInfo
</Directory>
<Location /api/>
    Cors On
    CorsOrigins https://a.example https://*.b.example
    CorsOriginsMatch "https://pr-[0-9]+\.c\.example"
    <If "%{REQUEST_METHOD} == 'GET'">
        CorsExposeHeaders X-Total
    </If>
</Location>
<Location /api/public/>
    CorsOrigins https://p.example
    CorsSupportsCredentials Off
    CorsAllowHeaders X-One
    CorsAllowHeadersMatch "x-app-[a-z]+"
</Location>
<Files "*.json">
    CorsMethods GET PUT
</Files>
<VirtualHost *:80>
    ServerName v.example
    Cors ReportOnly
    CorsOrigins https://v.example
    <Location /x/>
        CorsDebugHeader On
    </Location>
</VirtualHost>
CONF
my ($ok, $out) = config_check($conf, defines => ['DUMP_CORS']);
ok $ok, 'apachectl -t -D DUMP_CORS: Syntax OK';

# The block of one section in one server: from its title line to the next.
sub block {
    my ($server_re, $title_re) = @_;
    my ($server) = $out =~ /^((?:Main server|VirtualHost) $server_re.*?)(?=^(?:Main server|VirtualHost) |\z)/ms
        or return '';
    my ($b) = $server =~ /^(  $title_re.*?)(?=^  \S|\z)/ms;
    return $b // '';
}
sub field {
    my ($block, $name) = @_;
    my ($line) = $block =~ /^    \Q$name\E +(.*)$/m;
    return $line // '';
}

my $main = qr/localhost:\d+/;
my $srv = block($main, qr/server config at /);
like field($srv, 'CorsSupportsCredentials'), qr/^On +\[set here\]$/, 'server config: credentials set here';
like field($srv, 'CorsMaxAge'), qr/^600 +\[set here\]$/, 'server config: max age set here';
like field($srv, 'Cors'), qr/^Off +\[default\]$/, 'server config: Cors Off by default';

my $api = block($main, qr{<Location /api/> at \S+:\d+});
like field($api, 'Cors'), qr/^On +\[set here\]$/, '/api/: Cors On set here';
like field($api, 'CorsOrigins'),
    qr{^https://a\.example https://\*\.b\.example; CorsOriginsMatch "https://pr-\[0-9\]\+\\\.c\\\.example" +\[set here\]$},
    '/api/: origins as written, the regex with single backslashes';
like field($api, 'CorsSupportsCredentials'), qr/^On +\[from server config at \S+:\d+\]$/,
    '/api/: credentials inherited from the server config';
like field($api, 'CorsMethods'), qr/^GET, HEAD, POST, OPTIONS, PUT, PATCH, DELETE +\[default\]$/,
    '/api/: default methods';
like field($api, 'CorsAllowHeaders'), qr/^\* \(any header but Authorization\) +\[default\]$/,
    '/api/: default allowed headers';

my $if = block($main, qr{<If "%\{REQUEST_METHOD\} == 'GET'"> at });
like field($if, 'CorsExposeHeaders'), qr/^X-Total +\[set here\]$/, '<If> in <Location>: its own field';
like field($if, 'Cors'), qr{^On +\[from <Location /api/> at \S+:\d+\]$}, '<If> in <Location>: Cors from the Location';
like field($if, 'CorsMaxAge'), qr/^600 +\[from server config/, '<If> in <Location>: max age from the server';

my $pub = block($main, qr{<Location /api/public/> at });
like field($pub, 'CorsOrigins'), qr{^https://p\.example +\[set here\]$}, '/api/public/: its own origins';
like field($pub, 'CorsSupportsCredentials'), qr/^Off +\[set here\]$/, '/api/public/: credentials Off here';
like field($pub, 'CorsAllowHeaders'), qr/^X-One; CorsAllowHeadersMatch "x-app-\[a-z\]\+" +\[set here\]$/,
    '/api/public/: allowed headers and regex as written';
# Two <Location> sections are merged per request, not statically.
like field($pub, 'Cors'), qr/^Off +\[default\]$/, '/api/public/: Cors as the static chain has it';

my $files = block($main, qr{<Files "\*\.json"> at });
like $files, qr/merged per request over the <Directory> and <Location> sections/,
    'top-level <Files>: said to be merged per request';
like field($files, 'CorsMethods'), qr/^GET, PUT +\[set here\]$/, '<Files>: methods';

like $out, qr{^  \.htaccess files under /tmp/ops-dump-htaccess/? \(AllowOverride FileInfo\) may change the policy there, per request$}m,
    '.htaccess: the directory that allows them is named';

# Configuration order within the main server.
my @order = $out =~ /^  (<Location \/api\/>|<If |<Location \/api\/public\/>|<Files )/mg;
is_deeply [ @order[0 .. 3] ], ['<Location /api/>', '<If ', '<Location /api/public/>', '<Files '],
    'sections in configuration order';

my $vh = qr/v\.example:80/;
like $out, qr/^VirtualHost v\.example:80 \(\S+:\d+\)$/m, 'the virtual host is named, with its place';
my $vtop = block($vh, qr/<VirtualHost>/);
like field($vtop, 'Cors'), qr/^ReportOnly +\[set here\]$/, 'vhost: Cors ReportOnly set there';
like field($vtop, 'CorsSupportsCredentials'), qr/^On +\[from server config/, 'vhost: credentials from the main server';
my $vx = block($vh, qr{<Location /x/> at });
like field($vx, 'CorsDebugHeader'), qr/^On +\[set here\]$/, 'vhost <Location /x/>: debug header here';
like field($vx, 'Cors'), qr/^ReportOnly +\[from this <VirtualHost>\]$/, 'vhost <Location /x/>: Cors from the vhost';
my $vapi = block($vh, qr{<Location /api/> at });
like field($vapi, 'CorsMaxAge'), qr/^600 +\[from server config/, 'vhost: main server sections over the vhost level';

# Without the define nothing is printed; the dump never starts a server.
($ok, $out) = config_check($conf);
ok $ok, 'apachectl -t without DUMP_CORS: Syntax OK';
unlike $out, qr/mod_cors policy/, 'no dump without -D DUMP_CORS';
($ok, $out) = config_check("<Location /x>\nCorsMethods get\n</Location>", defines => ['DUMP_CORS']);
like $out, qr/^mod_cors: warning: .*'get' is taken as 'GET'/m, 'dump and startup warnings together';
