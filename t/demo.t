use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsHttpd;
use IO::Socket::INET;
use POSIX qw(:sys_wait_h setpgid);
use Time::HiRes qw(sleep time);
use File::Spec::Functions qw(catfile);

# `make demo` as the README describes it (issue 12, "a newcomer path
# without surprises"): demo/run.sh starts a private httpd on the two ports
# it is given, prints the page's URL and curl commands, and logs
# mod_cors's decisions in the terminal; Ctrl-C stops it and removes its
# temporary ServerRoot. The printed curl commands are run as printed, so
# the terminal output and the demo's policy (conf/demo.conf) stay in step.
#
# Mutations caught: a curl command printed with another path, origin or
# header than the policy answers (its check fails); the decisions not
# shown (LogLevel cors:debug or the tail of error.log gone); the clean-up
# cut short by a second Ctrl-C, as the trap reset to default in cleanup()
# did (the temporary folder stays; found by trying it in a terminal); the
# server left running after Ctrl-C (its ports still answer).

my $top  = Apache::Test::vars('top_dir');
my $run  = catfile($top, 'demo', 'run.sh');
my $logs = Apache::Test::vars('t_logs');
my $out  = catfile($logs, 'demo.out');

plan tests => 14, need_module('cors');

my ($api_port, $page_port) = (CorsHttpd::free_port(), CorsHttpd::free_port());
($page_port = CorsHttpd::free_port()) while $page_port == $api_port;
my $page = "http://localhost:$page_port";

unlink $out;
my $pid = fork // die "fork: $!";
if (!$pid) {
    # Its own process group, as a terminal's foreground job is, so that
    # the test can send Ctrl-C's SIGINT to all of it; default signal
    # handling, whatever this process inherited (bash cannot trap a
    # signal that was ignored when it started).
    setpgid(0, 0);
    $SIG{$_} = 'DEFAULT' for qw(INT TERM HUP);
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', $out or die "$out: $!";
    open STDERR, '>&', \*STDOUT;
    $ENV{DEMO_API_PORT}  = $api_port;
    $ENV{DEMO_PAGE_PORT} = $page_port;
    $ENV{MOD_CORS}       = CorsTest::module_under_test();
    # The suite's httpd: under make test-asan, the wrapper that preloads
    # the sanitizer runtime the module under test needs.
    $ENV{HTTPD}          = Apache::Test::vars('httpd');
    exec 'bash', $run or die "exec bash $run: $!";
}

sub output {
    open my $fh, '<', $out or return '';
    local $/;
    return <$fh> // '';
}

sub wait_for {
    my ($re, $secs) = @_;
    my $end = time + $secs;
    while (time < $end) {
        return 1 if output() =~ $re;
        last if waitpid($pid, WNOHANG) == $pid;
        sleep 0.2;
    }
    return output() =~ $re;
}

sub answers {
    my ($port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 2);
    return $s ? 1 : 0;
}

my $up = wait_for(qr/mod_cors demo is running/, 30);
ok $up, 'the demo says it is running'
    or diag output();

my $text = output();
like $text, qr{\Q$page/\E}, "the terminal shows the page's URL ($page/)";
ok answers($api_port) && answers($page_port),
    "the API ($api_port) and the page ($page_port) answer";

# The curl commands as printed: "  curl ..." and its "\"-continued lines.
my @curl;
{
    my $cmd;
    for my $line (split /\n/, $text) {
        if (defined $cmd) {
            $cmd .= "\n$line";
        }
        elsif ($line =~ /^\s+curl /) {
            $cmd = $line;
        }
        else {
            next;
        }
        if ($line !~ /\\$/) {
            push @curl, $cmd;
            undef $cmd;
        }
    }
}
is scalar(@curl), 3, 'three curl commands are printed'
    or diag $text;

sub run_curl {
    my ($cmd) = @_;
    my $got = `$cmd 2>&1`;
    $got =~ s/\r//g;
    return $got;
}

# 1: a granted preflight.
my $r = run_curl($curl[0] // 'false');
like $r, qr{^HTTP/1\.1 204 }m, 'printed preflight 1: 204';
like $r, qr{^Access-Control-Allow-Origin: \Q$page\E$}mi,
    'printed preflight 1: granted to the page origin';
like $r, qr{^Access-Control-Allow-Headers: content-type$}mi,
    'printed preflight 1: content-type allowed';

# 2: a refused preflight (no Access-Control-* answer), as the text says.
$r = run_curl($curl[1] // 'false');
like $r, qr{^HTTP/1\.1 204 }m, 'printed preflight 2: 204';
unlike $r, qr{^Access-Control-}mi, 'printed preflight 2: no Access-Control-* header';

# 3: a simple request.
$r = run_curl($curl[2] // 'false');
like $r, qr{^HTTP/1\.1 200 .*^Access-Control-Allow-Origin: \Q$page\E$}msi,
    'printed simple request: 200 with the page origin allowed';

ok wait_for(qr/preflight from origin \Q$page\E refused in <Location "\/api\/">/, 10),
    "mod_cors's decisions are shown in the terminal";

my ($root) = output() =~ /^Server root: (\S+)/m;
ok defined $root && -d $root, 'the temporary ServerRoot exists while it runs'
    . (defined $root ? " ($root)" : '');

# Ctrl-C, twice in a row: the clean-up still runs to its end.
kill INT => -$pid;
sleep 0.05;
kill INT => -$pid;
my $end = time + 20;
sleep 0.2 while waitpid($pid, WNOHANG) == 0 && time < $end;
sleep 0.2 while defined $root && -e $root && time < $end;
ok !(defined $root && -e $root), 'Ctrl-C twice: the temporary folder is removed'
    or diag output();
ok !answers($api_port) && !answers($page_port), 'Ctrl-C: the server is gone'
    or diag output();

# Whatever failed above, nothing of the demo is left running.
kill KILL => -$pid if kill 0 => -$pid;
