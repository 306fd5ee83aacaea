package CorsPhpFpm;
# A private php-fpm for a test file: its own config, pool on a Unix socket,
# pid file and logs, all in t/logs/php-fpm/ (or another directory under
# t/logs). Started by the test, stopped by it: stop(), DESTROY, or the
# clean-up CorsHttpd::track() gives every helper's process (the end of the
# test file, INT/TERM/HUP/QUIT), also when the test dies half-way.
# Never touches the system's php-fpm service or /etc/php.
#
#   my $fpm = CorsPhpFpm->new(env => { CORS_PHP_RUNS => $file })->start;
#   ... requests to scripts handled by "proxy:unix:SOCKET|fcgi://localhost"
#   $fpm->stop;
#
# As root the master runs as root and the pool's children as the test
# server's user (nobody), which also owns the socket; as another user
# everything runs as that user. No php.ini is read (-n): the pool's
# php_admin_* lines are the whole PHP configuration. See t/README.md,
# "PHP-FPM (t/php_fpm.t)".
use strict;
use warnings;

use Apache::Test ();
use CorsHttpd ();
use CorsTest ();
use File::Path qw(make_path);
use File::Spec::Functions qw(catfile catdir);
use POSIX ();
use Time::HiRes ();


# binary() -> the php-fpm to run: $ENV{PHP_FPM} if set, else the newest
# /usr/sbin/php-fpmX.Y (Debian names it after the PHP version), else
# php-fpm on PATH. Dies naming the package when there is none: a missing
# php-fpm fails the test, it never skips it.
sub binary {
    return $ENV{PHP_FPM} if $ENV{PHP_FPM};
    my @found = sort { version_of($b) <=> version_of($a) }
                grep { -x && m{/php-fpm\d+(?:\.\d+)?$} } glob '/usr/sbin/php-fpm*';
    return $found[0] if @found;
    for my $d (split /:/, $ENV{PATH} || '') {
        return "$d/php-fpm" if -x "$d/php-fpm";
    }
    die "CorsPhpFpm: no php-fpm (/usr/sbin/php-fpmX.Y); install Debian's "
      . "php-fpm package (`make deps` does, as root)\n";
}

sub version_of {
    my ($path) = @_;
    my ($maj, $min) = $path =~ /php-fpm(\d+)(?:\.(\d+))?$/ or return 0;
    return $maj * 1000 + ($min // 0);
}

# new(name => 'php-fpm', env => {NAME => value}, children => 2)
sub new {
    my ($class, %opt) = @_;
    my $vars = Apache::Test::vars();
    my $name = $opt{name} // 'php-fpm';
    my $dir  = catdir($vars->{t_logs}, $name);
    my $self = bless {
        name     => $name,
        binary   => binary(),
        dir      => $dir,
        env      => $opt{env} || {},
        children => $opt{children} // 2,
        timeout  => $opt{timeout} // 20,
        user     => $vars->{user} || 'nobody',
        group    => $vars->{group} || 'nogroup',
        owner    => $$,
    }, $class;
    $self->{conf}     = catfile($dir, 'php-fpm.conf');
    $self->{socket}   = catfile($dir, 'php-fpm.sock');
    $self->{pid_file} = catfile($dir, 'php-fpm.pid');
    $self->{log}      = catfile($dir, 'php-fpm.log');
    $self->{out}      = catfile($dir, 'php-fpm.out');
    # sockaddr_un holds 108 bytes; mod_proxy refuses a longer path.
    die "CorsPhpFpm: socket path too long for a Unix socket: $self->{socket}\n"
        if length $self->{socket} > 100;
    make_path($dir);
    $self->stop_stale;
    unlink $self->{socket};
    return $self;
}

sub socket   { $_[0]{socket} }
sub dir      { $_[0]{dir} }
sub pid      { $_[0]{pid} }
sub binary_path { $_[0]{binary} }

# The handler string of mod_proxy_fcgi for this pool, for SetHandler.
sub handler { "proxy:unix:$_[0]{socket}|fcgi://localhost" }

sub config_text {
    my ($self) = @_;
    my $text = "; Written by t/lib/CorsPhpFpm.pm for $0\n"
             . "[global]\n"
             . "pid = $self->{pid_file}\n"
             . "error_log = $self->{log}\n"
             . "log_level = notice\n"
             . "daemonize = no\n"
             . "\n[cors_test]\n"
             . "listen = $self->{socket}\n";
    if ($> == 0) {
        # Root: the children and the socket belong to the test server's
        # user, as Debian's www-data pool does with www-data.
        $text .= "user = $self->{user}\ngroup = $self->{group}\n"
               . "listen.owner = $self->{user}\nlisten.group = $self->{group}\n"
               . "listen.mode = 0660\n";
    }
    else {
        $text .= "listen.mode = 0600\n";
    }
    $text .= "pm = static\n"
           . "pm.max_children = $self->{children}\n"
           . "catch_workers_output = yes\n"
           . "clear_env = yes\n"
           . "php_admin_flag[display_errors] = off\n"
           . "php_admin_flag[log_errors] = on\n"
           . "php_admin_flag[expose_php] = off\n";
    for my $k (sort keys %{ $self->{env} }) {
        $text .= "env[$k] = $self->{env}{$k}\n";
    }
    return $text;
}

# start(): writes the config, runs `php-fpm -n -F -y CONF`, waits for the
# socket. Dies with php-fpm's output and log if it does not come up.
sub start {
    my ($self) = @_;
    die "CorsPhpFpm: already running\n" if $self->{pid};
    CorsTest::write_file($self->{conf}, $self->config_text);
    my @cmd = ($self->{binary}, '-n', '-F', '-O', '-y', $self->{conf},
               '-p', $self->{dir});
    my $pid = fork // die "CorsPhpFpm: fork: $!\n";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $self->{out} or POSIX::_exit(126);
        open STDERR, '>&', \*STDOUT or POSIX::_exit(126);
        # Its own process group: a ^C to the test reaches it through our
        # handler, which stops it properly.
        POSIX::setsid();
        exec @cmd or POSIX::_exit(127);
    }
    $self->{pid} = $pid;
    CorsHttpd::track($self);
    my $until = Time::HiRes::time() + $self->{timeout};
    until (-S $self->{socket}) {
        if (waitpid($pid, POSIX::WNOHANG()) == $pid) {
            delete $self->{pid};
            die "CorsPhpFpm: `@cmd` exited ($?):\n" . $self->output;
        }
        if (Time::HiRes::time() > $until) {
            $self->stop;
            die "CorsPhpFpm: no socket $self->{socket} after "
              . "$self->{timeout} s:\n" . $self->output;
        }
        Time::HiRes::sleep(0.05);
    }
    return $self;
}

# What php-fpm printed and logged (for diagnostics).
sub output {
    my ($self) = @_;
    my $text = '';
    for my $f ($self->{out}, $self->{log}) {
        next unless -s $f;
        open my $fh, '<', $f or next;
        $text .= join '', map { "  $f: $_" } <$fh>;
    }
    return $text;
}

# stop(): TERM to the master (it stops its children), waits, KILL after
# the timeout. Safe to call twice.
sub stop {
    my ($self) = @_;
    my $pid = $self->{pid} or return 1;
    return 1 if $self->{owner} != $$;
    my @kids = children($pid);
    kill 'TERM', $pid;
    my $gone = wait_child($pid, $self->{timeout});
    if (!$gone) {
        kill 'KILL', $pid, grep { ours_cmd($_, $self->{conf}) } @kids;
        wait_child($pid, 5);
        warn "CorsPhpFpm: had to SIGKILL php-fpm\n";
    }
    # The children die with the master; wait for them too, so that no
    # script still runs when the test looks at its side effects.
    my $until = Time::HiRes::time() + 5;
    Time::HiRes::sleep(0.05) while grep({ kill 0, $_ } @kids)
                                   && Time::HiRes::time() < $until;
    CorsHttpd::untrack($self);
    delete $self->{pid};
    unlink $self->{socket};
    return $gone;
}

sub DESTROY { my $self = shift; local ($?, $@); eval { $self->stop } }

# A php-fpm of ours left running by a test that was killed.
sub stop_stale {
    my ($self) = @_;
    open my $fh, '<', $self->{pid_file} or return;
    my ($pid) = (<$fh> // '') =~ /^(\d+)/ or return;
    return unless kill(0, $pid) && ours_cmd($pid, $self->{conf});
    kill 'TERM', $pid;
    my $until = Time::HiRes::time() + $self->{timeout};
    Time::HiRes::sleep(0.05) while kill(0, $pid) && Time::HiRes::time() < $until;
    kill 'KILL', $pid if kill 0, $pid;
}

# Whether process $pid is a php-fpm master started with config $conf
# ("php-fpm: master process (CONF)"), or one of its pool's children.
sub ours_cmd {
    my ($pid, $conf) = @_;
    open my $fh, '<', "/proc/$pid/cmdline" or return 0;
    my $cmd = do { local $/; <$fh> } // '';
    return index($cmd, $conf) >= 0 || $cmd =~ /^php-fpm: pool cors_test/;
}

sub children {
    my ($ppid) = @_;
    my @kids;
    opendir my $dh, '/proc' or return;
    for my $p (grep { /^\d+$/ } readdir $dh) {
        open my $fh, '<', "/proc/$p/stat" or next;
        my $stat = <$fh> // next;
        push @kids, $p if $stat =~ /\)\s+\S+\s+(\d+)/ && $1 == $ppid;
    }
    return @kids;
}

sub wait_child {
    my ($pid, $timeout) = @_;
    my $until = Time::HiRes::time() + $timeout;
    while (Time::HiRes::time() < $until) {
        my $r = waitpid($pid, POSIX::WNOHANG());
        return 1 if $r == $pid || $r == -1;
        Time::HiRes::sleep(0.05);
    }
    return 0;
}

1;
