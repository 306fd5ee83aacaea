use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsHttpd;

# Who answers a preflight must not depend on the LoadModule order (issue 9,
# item 2). Two private httpds with the same config, one loading mod_cors
# before mod_rewrite, mod_proxy and mod_allowmethods, one after them, must
# give the same answer to every case:
#   - per-directory RewriteRule flags that end the request ([F] in
#     .htaccess, [G] in a <Directory>, [R] in .htaccess) act before the
#     preflight answer;
#   - an internal per-directory rewrite does not change who answers:
#     mod_cors, with the requested URL's section;
#   - AllowMethods refuses the preflight with 405;
#   - a proxied URL mod_proxy would refuse to canonicalise still gets
#     mod_cors's answer (mod_cors's fixups runs before mod_proxy's);
#   - without any of these, mod_cors answers 204.
# Files: t/htdocs/order/*/ (.htaccess in forbid, redirect, internal).

my @MODULES = qw(rewrite proxy proxy_http allowmethods);
for (@MODULES, 'info') {
    die "t/order_rewrite.t: mod_$_.so is missing\n"
        unless CorsHttpd::have_module($_);
}

my $ORIGIN = 'https://a.example';

my $CONFIG = <<'EOF';
<Directory "@DocumentRoot@/order">
    AllowOverride FileInfo
    Options FollowSymLinks
    Cors On
    CorsOrigins https://a.example
    CorsMethods GET POST PUT
    CorsMaxAge 11
</Directory>
<Directory "@DocumentRoot@/order/gone">
    RewriteEngine On
    RewriteCond %{REQUEST_METHOD} !^(GET|POST|PUT)$
    RewriteRule ^ - [G]
</Directory>
# The target of order/internal/.htaccess: another policy, so the answer
# shows which section gave it.
<Directory "@DocumentRoot@/order/target">
    CorsOrigins https://t.example
    CorsMaxAge 22
</Directory>
<Directory "@DocumentRoot@/order/allow">
    AllowMethods GET POST
</Directory>
# Proxied to this server itself. [NE] hands mod_proxy the decoded path,
# which its fixups hook refuses (403) when it holds a space.
RewriteEngine On
RewriteRule ^/order/proxied/(.*)$ http://127.0.0.1:@Port@/order/plain/$1 [P,NE]
<Location /order/proxied/>
    Cors On
    CorsOrigins https://a.example
    CorsMethods GET POST PUT
</Location>
EOF

# [name, path, expected preflight status, check of the rest]
my @CASES = (
    ['control: no rewrite rule', '/order/plain/f.txt', 204, sub {
        my ($res) = @_;
        return (acao => scalar $res->header($ACAO),
                max_age => scalar $res->header($ACMA));
    }],
    ['.htaccess [F]', '/order/forbid/f.txt', 403],
    ['<Directory> [G]', '/order/gone/f.txt', 410],
    ['.htaccess [R]', '/order/redirect/f.txt', 302, sub {
        my ($res) = @_;
        return (location => scalar $res->header('Location'));
    }],
    ['.htaccess internal rewrite', '/order/internal/f.txt', 204, sub {
        my ($res) = @_;
        return (acao => scalar $res->header($ACAO),
                max_age => scalar $res->header($ACMA));
    }],
    ['AllowMethods GET POST', '/order/allow/f.txt', 405],
    ['proxied, valid', '/order/proxied/f.txt', 204, sub {
        my ($res) = @_;
        return (acao => scalar $res->header($ACAO));
    }],
    ['proxied, refused by mod_proxy', '/order/proxied/a%20b', 204, sub {
        my ($res) = @_;
        return (acao => scalar $res->header($ACAO));
    }],
);

# What the rest of each answer must be (the same in both orders).
my %EXPECT = (
    'control: no rewrite rule' => { acao => $ORIGIN, max_age => 11 },
    '.htaccess [R]' => { location => qr{/order/plain/f\.txt$} },
    # The requested URL's section (a.example, 11), not the target's.
    '.htaccess internal rewrite' => { acao => $ORIGIN, max_age => 11 },
    'proxied, valid' => { acao => $ORIGIN },
    'proxied, refused by mod_proxy' => { acao => $ORIGIN },
);

# The actual requests show that each rule is in force at all.
my @GETS = (
    ['/order/forbid/f.txt', 200, qr/^order forbid$/],
    ['/order/gone/f.txt', 200, qr/^order gone$/],
    ['/order/redirect/f.txt', 302, undef],
    ['/order/internal/f.txt', 200, qr/^order target$/],
    ['/order/proxied/f.txt', 200, qr/^order plain$/],
    ['/order/proxied/a%20b', 403, undef],
);

my %SERVERS = (
    cors_first => [qw(cors rewrite proxy proxy_http allowmethods)],
    cors_last  => [qw(rewrite proxy proxy_http allowmethods cors)],
);
my @ORDERS = sort keys %SERVERS;

plan tests => @ORDERS * (2 + @CASES * 2 + @GETS) + @CASES,
    need_module('cors');

my %seen;   # case name -> order -> [status, rest]
for my $order (@ORDERS) {
    my $h = CorsHttpd->new(name => "order_rewrite_$order",
                           modules => $SERVERS{$order},
                           info => 1, config => $CONFIG);
    $h->start;

    # The mechanism: mod_info lists the fixups hooks in the order httpd
    # runs them (mod_rewrite's second one is its LAST mime-type hook).
    my @fixups = grep { /^mod_(rewrite|cors|proxy)\.c$/ }
                 $h->hook_order('Fixups');
    is "@fixups", 'mod_rewrite.c mod_cors.c mod_proxy.c mod_rewrite.c',
        "$order: fixups hooks: rewrite, cors, proxy";
    like $h->error_log, qr/resuming normal operations/,
        "$order: server started";

    for my $c (@CASES) {
        my ($name, $path, $status, $rest) = @$c;
        my $res = preflight($h->url($path), $ORIGIN, 'PUT');
        my %got = $rest ? $rest->($res) : ();
        is $res->code, $status, "$order: $name: preflight status $status";
        my $want = $EXPECT{$name} || {};
        my $ok = 1;
        for my $k (sort keys %$want) {
            my $v = $got{$k};
            $ok &&= defined $v && (ref $want->{$k} ? $v =~ $want->{$k}
                                                    : $v eq $want->{$k});
        }
        ok $ok, "$order: $name: " . (%$want ? 'headers as expected'
                                            : 'no further check')
            or diag explain { got => \%got, want => $want };
        delete $got{location};  # absolute, with this server's port
        $seen{$name}{$order} = [$res->code, \%got];
    }

    for my $g (@GETS) {
        my ($path, $status, $body) = @$g;
        my $res = cors_request(GET => $h->url($path), $ORIGIN);
        my $okay = $res->code == $status
                   && (!$body || $res->content =~ $body);
        ok $okay, "$order: GET $path: $status"
            or diag $res->code . ' ' . $res->content;
    }
    $h->stop;
}

for my $c (@CASES) {
    my $name = $c->[0];
    is_deeply $seen{$name}{cors_last}, $seen{$name}{cors_first},
        "$name: same answer whatever the LoadModule order";
}
