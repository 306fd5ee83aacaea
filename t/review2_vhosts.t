use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsHttpd;
use CorsOps;

# Review 2 of issue 10, part 2: "exact counts per virtual host". The suite's
# counter tests give every virtual host its own port; most sites run
# name-based virtual hosts on one port, where the connection's server (the
# first virtual host of the address) is not the request's. Counting into
# the connection's server passed the suite. Here: three name-based
# virtual hosts on one port, one reached by a ServerAlias; each request
# counts under its own ServerName, report-only differences too.

my @MODULES = qw(status mime);
plan tests => 3, need_module('cors');

my $A  = 'https://a.example';
my $p2 = CorsHttpd::free_port();
my $config = <<"EOF2";
ServerName localhost:\@Port\@
Listen 127.0.0.1:$p2
<Location /metrics>
    SetHandler cors-metrics
</Location>
<Location /review2/api/>
    Cors On
    CorsOrigins $A
</Location>
<Location /review2/report/>
    Cors ReportOnly
    CorsOrigins $A
</Location>
<VirtualHost 127.0.0.1:$p2>
    ServerName first.example
</VirtualHost>
<VirtualHost 127.0.0.1:$p2>
    ServerName second.example
    ServerAlias alias.example
</VirtualHost>
<VirtualHost 127.0.0.1:$p2>
    ServerName third.example
</VirtualHost>
EOF2

my $h = CorsHttpd->new(name => 'review2_vhosts',
                       modules => ['cors', @MODULES], config => $config);
$h->start;
my $url = "http://127.0.0.1:$p2";
cors_request(GET => "$url/review2/api/f.txt", $A, Host => 'alias.example');
cors_request(GET => "$url/review2/api/f.txt", 'https://evil.example',
             Host => 'third.example');
cors_request(GET => "$url/review2/report/f.txt", $A, Host => 'second.example');

my (undef, $text) = get_text($h->url('/metrics'));
my $c = metrics_counts(parse_prometheus($text));
my %got = map { my $s = $_; ($s => { map { $c->{$s}{$_} ? ($_ => $c->{$s}{$_}) : () }
                                     keys %{ $c->{$s} } }) } keys %$c;
is_deeply $got{"second.example:$p2"}, { allowed => 2, 'report-differs' => 1 },
    'name-based: ServerAlias and ServerName count under second.example, '
    . 'report-only difference too';
is_deeply $got{"third.example:$p2"}, { 'refused-origin' => 1 },
    'name-based: third.example its own refusal';
is_deeply $got{"first.example:$p2"}, {},
    'name-based: the first virtual host of the address (the connection\'s '
    . 'server) counted nothing';
$h->stop;
