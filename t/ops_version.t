use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsHttpd;
use File::Spec::Functions qw(catfile);

# Area "ops", the version line (issue 12, part 1): the release has one
# source, debian/changelog, which the Makefile reads and passes to the
# compiler; the module says "mod_cors/VERSION loaded" in the error log at
# LogLevel info, once per start, restart and graceful restart (not once
# per read of the configuration, not once per virtual host), and not at
# LogLevel warn. A private server (t/lib/CorsHttpd.pm) with three virtual
# hosts, so that every line is counted exactly.
#
# Mutations caught: the Makefile not passing the version (the fallback
# "unknown" is logged) or passing another one; the line logged on both
# reads of a start (two lines), once per virtual host (four), at notice
# level (httpd logs notices whatever the LogLevel: seen at warn) or at
# another level than info; no line at all.

plan tests => 14, need_module('cors');

# The upstream version of debian/changelog's first entry, as Debian reads
# it: "libapache2-mod-cors (EPOCH:UPSTREAM-REVISION) ...".
my $changelog = catfile(Apache::Test::vars('top_dir'), 'debian', 'changelog');
open my $fh, '<', $changelog or die "open $changelog: $!";
my $first = <$fh> // "";
chomp $first;
close $fh;
my ($deb_version) = $first =~ /^\S+ \(([^)\s]+)\)/;
ok defined $deb_version, "debian/changelog's first line has a version ($first)";
(my $upstream = $deb_version // '') =~ s/^\d+://;
$upstream =~ s/-[^-]+$//;
like $upstream, qr/^\d+\.\d+/, "upstream version '$upstream' read from debian/changelog";

my $vhosts = join '', map { <<"VH" } 1 .. 3;
<VirtualHost 127.0.0.1:\@Port\@>
    ServerName v$_.example
    <Location /api/>
        Cors On
    </Location>
</VirtualHost>
VH

# version_lines($text): every "mod_cors/X loaded" line of an error log.
sub version_lines { return grep { m{mod_cors/\S* loaded} } split /\n/, $_[0] }

my $h = CorsHttpd->new(name => 'ops_version', log_level => 'info',
                       config => $vhosts);
$h->start;
my @lines = version_lines($h->error_log);
is scalar(@lines), 1, 'start: one version line with three virtual hosts'
    or diag join "\n", @lines;
my ($logged) = ($lines[0] // '') =~ m{mod_cors/(\S*) loaded};
is $logged, $upstream, "start: it names debian/changelog's upstream version";
like $lines[0] // '', qr/\[cors:info\] .*mod_cors\/\Q$upstream\E loaded$/,
    'start: logged by mod_cors at level info';
unlike $h->start_output, qr{mod_cors/}, 'start: not on the console';

my $mark = $h->error_log_mark;
$h->graceful;
@lines = version_lines($h->error_log_since($mark));
is scalar(@lines), 1, 'graceful restart: one version line';
like $lines[0] // '', qr/\[cors:info\] .*mod_cors\/\Q$upstream\E loaded$/,
    'graceful restart: the same version, at info';

$mark = $h->error_log_mark;
$h->restart;
@lines = version_lines($h->error_log_since($mark));
is scalar(@lines), 1, 'restart: one version line';

$mark = $h->error_log_mark;
$h->stop;
is scalar(version_lines($h->error_log_since($mark))), 0,
    'stop: no version line';

# LogLevel warn: nothing. A notice would show here (httpd logs notices at
# every LogLevel).
my $quiet = CorsHttpd->new(name => 'ops_version_warn', log_level => 'warn',
                           config => $vhosts);
$quiet->start;
is scalar(version_lines($quiet->error_log)), 0, 'LogLevel warn: no version line';
$quiet->graceful;
is scalar(version_lines($quiet->error_log)), 0,
    'LogLevel warn, graceful restart: no version line';
$quiet->stop;

# LogLevel warn cors:info (per-module level): the line is mod_cors's own.
my $mod = CorsHttpd->new(name => 'ops_version_mod', log_level => 'warn cors:info',
                         config => $vhosts);
$mod->start;
@lines = version_lines($mod->error_log);
is scalar(@lines), 1, 'LogLevel warn cors:info: one version line';
is +(($lines[0] // '') =~ m{mod_cors/(\S*) loaded})[0], $upstream,
    'LogLevel warn cors:info: the version of debian/changelog';
$mod->stop;
