# Review 2 of issue 10, part 3 (`apachectl -t -D DUMP_CORS`): two properties
# t/ops_dump.t does not pin (mutations of cors_dump.c that break them
# passed the suite):
#   - "in config order": a <Location> written before a <Directory> (httpd
#     keeps them in separate lists) is printed first;
#   - "each value marked as set there or inherited, and from where": a
#     field that a section sets to the value it would inherit anyway is
#     set there (changing the outer one would change nothing here).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;

plan tests => 4, need_module('cors');

my ($ok, $out) = config_check(<<'CONF', defines => ['DUMP_CORS']);
CorsVaryHeader Off
<Location /first/>
    Cors On
    CorsVaryHeader Off
</Location>
<Directory /tmp/review2-second>
    Cors On
</Directory>
<Location /third/>
    Cors On
</Location>
CONF
ok $ok, 'apachectl -t -D DUMP_CORS: Syntax OK';

my @order = $out =~ m{^  (<Location /first/>|<Directory /tmp/review2-second>|<Location /third/>)}mg;
is_deeply \@order, ['<Location /first/>', '<Directory /tmp/review2-second>',
                    '<Location /third/>'],
    'sections in configuration order, <Location> and <Directory> interleaved';

my ($first) = $out =~ m{^(  <Location /first/> at .*?)(?=^  \S|\z)}ms;
like $first // '', qr/^    CorsVaryHeader +Off +\[set here\]$/m,
    '<Location /first/> sets CorsVaryHeader Off itself: set here, not '
    . 'from the server config';
my ($third) = $out =~ m{^(  <Location /third/> at .*?)(?=^  \S|\z)}ms;
like $third // '', qr/^    CorsVaryHeader +Off +\[from server config at \S+:\d+\]$/m,
    '<Location /third/>: CorsVaryHeader from the server config';
