package CorsBrowser;
# Runs a browser driver (t/browser/driver.mjs or console_driver.mjs) for
# one engine, as the browser test files do: writes the plan to
# t/logs/BASE.plan.json, runs `node DRIVER ENGINE PLAN RESULT` with its
# output in BASE.log, and reads BASE.result.json back. Never waits longer
# than the limit; a result always comes back, with {error} saying why
# there is none (the driver's output appended) and {seconds}.
#
#   my $run = CorsBrowser::start($driver, $engine, $plan, $base);
#   my $res = CorsBrowser::finish($run, $limit);      # or, in one go:
#   my $res = CorsBrowser::run($driver, $engine, $plan, $base, $limit);
#
# start() returns at once, so that both engines can run side by side.
#
# The browser tests gather their checks while the browsers run and plan
# their count afterwards; run_checks(@checks) then runs them in order.
# A check is [ok => $got, $name], [is|like|is_deeply => $got, $want,
# $name], each with an optional last element: a diagnostic printed when
# the check fails.
use strict;
use warnings;
use JSON::PP ();
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use Test::More ();

sub start {
    my ($driver, $engine, $plan, $base) = @_;
    my ($plan_file, $out_file, $log_file) =
        map { "$base.$_" } qw(plan.json result.json log);
    unlink $out_file;
    open my $fh, '>', $plan_file or die "$plan_file: $!";
    print $fh JSON::PP->new->pretty->canonical->encode($plan);
    close $fh;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>', $log_file or die "$log_file: $!";
        open STDERR, '>&', \*STDOUT or die "stderr: $!";
        # Not die on failure: the child must not go on as a copy of the test.
        exec('node', $driver, $engine, $plan_file, $out_file)
            or print "exec node: $!\n";
        POSIX::_exit(127);
    }
    return { pid => $pid, out => $out_file, log => $log_file, t0 => time };
}

sub finish {
    my ($run, $limit) = @_;
    my $status;
    while (1) {
        if (waitpid($run->{pid}, WNOHANG) == $run->{pid}) { $status = $?; last }
        if (time - $run->{t0} > $limit) {
            kill TERM => $run->{pid};
            sleep 2;
            kill KILL => $run->{pid};
            waitpid $run->{pid}, 0;
            $status = "killed after $limit s";
            last;
        }
        sleep 0.2;
    }
    my $result = -s $run->{out}
        ? eval {
            local $/;
            open my $in, '<', $run->{out} or die;
            JSON::PP::decode_json(<$in>);
        }
        : undef;
    $result ||= { error => 'no result file' };
    if ($status) {
        $result->{error} //= '';
        $result->{error} .= " (driver exit status $status)";
    }
    $result->{seconds} = time - $run->{t0};
    if ($result->{error}) {
        my $log = do { local $/; open my $in, '<', $run->{log}; <$in> // '' };
        $result->{error} .= "\ndriver output:\n$log" if length $log;
    }
    return $result;
}

sub run_checks {
    for my $c (@_) {
        my ($kind, @args) = @$c;
        my $diag = @args > ($kind eq 'ok' ? 2 : 3) ? pop @args : undef;
        my $pass = $kind eq 'ok'   ? Test::More::ok($args[0], $args[1])
                 : $kind eq 'is'   ? Test::More::is($args[0], $args[1], $args[2])
                 : $kind eq 'like' ? Test::More::like($args[0], $args[1], $args[2])
                 :                   Test::More::is_deeply($args[0], $args[1], $args[2]);
        Test::More::diag($diag) if !$pass && defined $diag && length $diag;
    }
}

sub run {
    my ($driver, $engine, $plan, $base, $limit) = @_;
    return finish(start($driver, $engine, $plan, $base), $limit);
}

1;
