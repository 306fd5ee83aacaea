# Guard, run first: the test server runs exactly the module under test,
# CorsTest::module_under_test() ($MOD_CORS_SO, else .libs/mod_cors.so), not
# a mod_cors installed or enabled in the system, nor an older build.
#   - the generated config loads mod_cors once, from that file, and httpd
#     lists cors_module once for it (apache2 -t -D DUMP_MODULES);
#   - the server's parent (t/logs/httpd.pid) and every child of it have
#     exactly one mod_cors*.so mapped (/proc/PID/maps), and it is that file:
#     same path, same device and inode, not deleted or replaced since;
#   - the check itself tells a different file apart: pointed at a copy of
#     the module (same bytes, other path and inode), it must complain.
# t/TEST.PL runs this file first also when test files are named.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET);
use CorsTest;
use File::Copy qw(copy);
use File::Path qw(make_path remove_tree);
use File::Spec::Functions qw(catfile catdir);

# No need_module: a guard that can be skipped guards nothing.
plan tests => 10;

my $so    = module_under_test();
my $vars  = Apache::Test::vars();
my $conf  = $vars->{t_conf_file};

ok -f $so, "module under test exists: $so"
    or BAIL_OUT("no $so; run make");

# ---------------------------------------------------------------- config
my @loads = CorsTest::config_cors_loads($conf);
is_deeply [ map { [ @$_[0, 1] ] } @loads ], [ [ cors_module => $so ] ],
    'the server config loads mod_cors once, as cors_module from the module under test'
    or diag map { "  $_->[2]: LoadModule $_->[0] $_->[1]\n" } @loads;

my @cors = grep { /^cors_module\b/ } CorsTest::dumped_modules($conf);
is_deeply \@cors, ['cors_module (shared)'],
    'apache2 -t -D DUMP_MODULES of the server config lists cors_module once';

# ------------------------------------------------------ running processes
# A request first, so that the server has children serving.
my $res = GET '/';
ok $res->code > 0 && $res->code < 500, 'the test server answers';

my $pidfile = $vars->{t_pid_file};
my $ppid = do { open my $fh, '<', $pidfile or die "$pidfile: $!\n"; local $/; <$fh> };
$ppid = ($ppid // '') =~ /(\d+)/ ? $1 : 0;
my $cmdline = '';
if ($ppid && open my $fh, '<', "/proc/$ppid/cmdline") {
    local $/;
    $cmdline = <$fh> // '';
}
ok $ppid && index($cmdline, "$conf\0") >= 0,
    "t/logs/httpd.pid ($ppid) is the server running $conf"
    or diag "cmdline: ", join ' ', split /\0/, $cmdline;

my @parent_bad = $ppid ? CorsTest::module_problems($ppid, $so) : ('no pid');
ok !@parent_bad, "parent $ppid mapped exactly the module under test"
    or diag join "\n", @parent_bad;

# The children: every process whose parent is the server (workers, and
# mod_cgid's daemon). One may exit while we look (a zombie has no maps);
# at least one must be seen.
sub status_of {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/status" or return {};
    return { map { /^(\w+):\s*(\S*)/ ? ($1, $2) : () } <$fh> };
}
my (@children, @child_bad);
for my $dir (glob '/proc/[0-9]*') {
    my ($pid) = $dir =~ m{(\d+)$};
    my $st = status_of($pid);
    next unless $ppid && ($st->{PPid} // -1) == $ppid && ($st->{State} // 'Z') ne 'Z';
    my @p = eval { CorsTest::module_problems($pid, $so) };
    push @p, $@ if $@;
    next if @p && (status_of($pid)->{State} // 'Z') eq 'Z';    # gone meanwhile
    push @child_bad, @p;
    push @children, $pid;
}
ok scalar(@children), 'the server has children: ' . join(' ', @children);
ok !@child_bad, 'every child mapped exactly the module under test'
    or diag join "\n", @child_bad;

# ---------------------------------------------------- the guard's own test
# A copy of the module is byte for byte the same, but not the file the
# server loaded: pointed at it, the check must refuse.
my $dir  = catdir($vars->{t_logs}, 'module_guard');
my $copy = catfile($dir, 'mod_cors.so');
remove_tree($dir);
make_path($dir);
copy($so, $copy) or die "copy $so $copy: $!";
my @copy_bad = $ppid ? CorsTest::module_problems($ppid, $copy) : ();
ok( (grep { /not the path/ } @copy_bad) && (grep { /device:inode/ } @copy_bad),
    'the check refuses a copy of the module (other path and inode)')
    or diag "problems reported: ", join("\n", @copy_bad) || 'none';
remove_tree($dir);

# And a config naming another file is refused before apache2 -t runs.
my $err = eval {
    CorsTest::check_config_text(qq{LoadModule cors_module "$copy"\n}, 'test');
    1;
} ? '' : $@;
like $err, qr/refusing to run apache2 -t.*not cors_module from \Q$so\E/s,
    'config_check refuses a config that loads another mod_cors';
