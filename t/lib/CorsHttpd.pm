package CorsHttpd;
# A private httpd with its own config, for tests that need what the shared
# Apache::Test server cannot give: a chosen LoadModule order, another MPM, a
# number of processes, restarts. It always loads the module under test
# ($ENV{MOD_CORS_SO}, else the suite's .libs/mod_cors.so), listens on its
# own free port on 127.0.0.1 and keeps config, pid file and logs in
# t/logs/<name>/. Usage and API: t/README.md, "Private servers".
#
#   my $h = CorsHttpd->new(name => 'x', modules => [qw(rewrite cors)],
#                          config => "<Location /api>\nCors On\n</Location>");
#   $h->start;
#   my $res = preflight($h->url('/api/'), 'https://a.example', 'PUT');
#   $h->stop;        # also done when $h goes away, and at exit
use strict;
use warnings;

use Apache::Test ();
use CorsTest ();
use Cwd ();
use File::Path qw(make_path remove_tree);
use File::Spec::Functions qw(catfile catdir);
use IO::Socket::INET ();
use Scalar::Util qw(weaken refaddr);
use Time::HiRes ();

# Every started server not yet stopped, weakly: DESTROY still runs when a
# test drops its object, and END stops whatever is left.
my %RUNNING;

# new(name => WORD, %options): see t/README.md for the options.
sub new {
    my ($class, %opt) = @_;
    my $name = $opt{name};
    die "CorsHttpd: name must be a word ([A-Za-z0-9_.-])\n"
        unless defined $name && $name =~ /^[\w.-]+$/;
    my %known = map { $_ => 1 } qw(name modules mpm start_servers
        threads_per_child mpm_config config log_level document_root
        timeout httpd info);
    for (sort keys %opt) {
        die "CorsHttpd: unknown option $_\n" unless $known{$_};
    }
    my $vars = Apache::Test::vars();
    my $self = bless {
        name              => $name,
        modules           => [@{ $opt{modules} || ['cors'] }],
        mpm               => $opt{mpm} || 'event',
        start_servers     => $opt{start_servers} // 1,
        threads_per_child => $opt{threads_per_child} // 25,
        mpm_config        => $opt{mpm_config},
        config            => $opt{config} // '',
        log_level         => $opt{log_level} // 'warn cors:trace8',
        document_root     => $opt{document_root} // $vars->{documentroot},
        timeout           => $opt{timeout} // 20,
        httpd             => $opt{httpd} // $vars->{httpd},
        info              => $opt{info},
        dir               => catdir($vars->{t_logs}, $name),
        owner             => $$,
    }, $class;
    $self->{conf_file} = catfile($self->{dir}, 'httpd.conf');
    $self->{pid_file}  = catfile($self->{dir}, 'httpd.pid');
    # Resolve every module now: a missing one is the test's error, not a
    # startup failure to dig out of a log.
    unshift @{ $self->{modules} }, 'cors'
        unless grep { $_ eq 'cors' } @{ $self->{modules} };
    push @{ $self->{modules} }, 'info'
        if $self->{info} && !grep { $_ eq 'info' } @{ $self->{modules} };
    $self->{module_paths} = { map { $_ => module_path($_) }
                              @{ $self->{modules} }, 'authz_core',
                              "mpm_$self->{mpm}" };

    # A server of the same name left by a run that was killed.
    $self->stop_stale;
    remove_tree($self->{dir});
    make_path($self->{dir});
    return $self;
}

# module_path('rewrite') -> /usr/lib/apache2/modules/mod_rewrite.so;
# 'cors' -> the module under test. Dies if there is no such file.
sub module_path {
    my ($m) = @_;
    if ($m eq 'cors') {
        # Never Apache::Test's module map: in a .t process it prefers an
        # installed mod_cors (see t/00_module.t).
        my $so = CorsTest::module_under_test();
        die "CorsHttpd: the module under test ($so) is missing; run make\n"
            unless -e $so;
        return $so;
    }
    my $path = Apache::Test::config()->find_apache_module("mod_$m.so");
    die "CorsHttpd: mod_$m.so not found\n" unless $path && -e $path;
    return $path;
}

# Whether mod_NAME.so exists, for a test's plan.
sub have_module { my ($m) = @_; return eval { module_path($m); 1 } ? 1 : 0 }

sub name      { $_[0]{name} }
sub dir       { $_[0]{dir} }
sub conf_file { $_[0]{conf_file} }
sub port      { $_[0]{port} }
sub pid       { $_[0]{pid} }
sub hostport  { "127.0.0.1:$_[0]{port}" }
# What `httpd -k start` printed (stdout and stderr: the console).
sub start_output { $_[0]{start_output} // '' }
sub base_url  { 'http://' . $_[0]->hostport }

# url('/x') -> http://127.0.0.1:PORT/x
sub url {
    my ($self, $path) = @_;
    $path = '/' unless defined $path;
    $path = "/$path" unless $path =~ m{^/};
    return $self->base_url . $path;
}

# ------------------------------------------------------------ the config

sub config_text {
    my ($self) = @_;
    my $vars = Apache::Test::vars();
    my $p = $self->{module_paths};
    my $dir = $self->{dir};
    my $text = "# Written by t/lib/CorsHttpd.pm for $0; started with\n"
             . "# $self->{httpd} -f $self->{conf_file} -k start\n"
             . qq{ServerRoot "$vars->{serverroot}"\n}
             . "ServerName localhost\n"
             . "Listen 127.0.0.1:$self->{port}\n"
             . qq{PidFile "$self->{pid_file}"\n}
             . qq{ErrorLog "$dir/error_log"\n}
             . "LogLevel $self->{log_level}\n"
             . qq{DefaultRuntimeDir "$dir"\n}
             . qq{DocumentRoot "$self->{document_root}"\n};
    if ($> == 0) {
        # Root: the children run as the suite's (t/TEST.PL made t/
        # readable for it).
        $text .= "User " . ($vars->{user} || 'nobody') . "\n"
               . "Group " . ($vars->{group} || 'nogroup') . "\n";
    }
    $text .= qq{LoadModule mpm_$self->{mpm}_module "$p->{"mpm_$self->{mpm}"}"\n};
    $text .= qq{LoadModule authz_core_module "$p->{authz_core}"\n}
        unless grep { $_ eq 'authz_core' } @{ $self->{modules} };
    # In the order given: that order is what some tests are about.
    for my $m (@{ $self->{modules} }) {
        $text .= qq{LoadModule ${m}_module "$p->{$m}"\n};
    }
    $text .= $self->mpm_text;
    # mod_log_config is compiled into Debian's httpd; loaded otherwise.
    $text .= qq{<IfModule mod_log_config.c>\n}
           . qq{    LogFormat "%h %m %U%q %>s %{Origin}i" corshttpd\n}
           . qq{    CustomLog "$dir/access_log" corshttpd\n}
           . qq{</IfModule>\n}
           . qq{<IfModule mod_mime.c>\n    TypesConfig /etc/mime.types\n}
           . qq{</IfModule>\n};
    if ($self->{info}) {
        $text .= "<Location /server-info>\n    SetHandler server-info\n"
               . "</Location>\n";
    }
    my %subst = (
        port         => $self->{port},
        documentroot => $self->{document_root},
        serverroot   => $vars->{serverroot},
        logdir       => $dir,
    );
    (my $extra = $self->{config}) =~
        s/\@(\w+)\@/exists $subst{lc $1} ? $subst{lc $1} : "\@$1\@"/ge;
    return $text . "# config => ...\n" . $extra . "\n";
}

# Sizing: exactly start_servers processes, none added or killed while idle
# (tests may count them); mpm_config replaces it.
sub mpm_text {
    my ($self) = @_;
    return "$self->{mpm_config}\n" if defined $self->{mpm_config};
    my $n = $self->{start_servers};
    if ($self->{mpm} eq 'prefork') {
        return "StartServers $n\nMinSpareServers 1\n"
             . "MaxSpareServers " . ($n > 1 ? $n : 2) . "\n"
             . "ServerLimit " . ($n > 256 ? $n : 256) . "\n";
    }
    my $tpc = $self->{threads_per_child};
    my $limit = $n > 16 ? $n : 16;
    return "StartServers $n\nThreadsPerChild $tpc\n"
         . "ThreadLimit " . ($tpc > 64 ? $tpc : 64) . "\n"
         . "MinSpareThreads 1\nMaxSpareThreads " . ($n * $tpc + 1) . "\n"
         . "ServerLimit $limit\nMaxRequestWorkers " . ($limit * $tpc) . "\n";
}

# ------------------------------------------------------ start and stop

# start(): writes the config, runs `httpd -f FILE -k start`, waits until
# the server answers HTTP. Dies with httpd's output and the error_log's
# tail if it does not come up. Returns $self.
sub start {
    my ($self) = @_;
    die "CorsHttpd $self->{name}: already running\n" if $self->{pid};
    my $attempts = 5;
    for my $try (1 .. $attempts) {
        $self->{port} = free_port();
        CorsTest::write_file($self->{conf_file}, $self->config_text);
        my $mark = $self->error_log_mark;
        my ($rc, $out) = $self->httpd_cmd('start');
        $self->{start_output} = $out;
        if ($rc != 0) {
            # Another program took the port between our probe and the
            # bind, or the kernel gave out a port the test's own config
            # already Listens on (a port it asked free_port() for): try
            # another one.
            next if $try < $attempts
                && ($out . $self->error_log_since($mark))
                   =~ /could not bind|Address already in use
                      |Cannot\ define\ multiple\ Listeners/x;
            die "CorsHttpd $self->{name}: `-k start` failed (exit $rc):\n"
                . $out . $self->error_log_tail;
        }
        $self->{pid} = $self->wait_pid_file
            or die "CorsHttpd $self->{name}: no live pid in "
                 . "$self->{pid_file}:\n$out" . $self->error_log_tail;
        track($self);
        $self->wait_answering
            or die "CorsHttpd $self->{name}: not answering on "
                 . $self->hostport . ":\n" . $self->error_log_tail;
        # The guard of t/00_module.t, for this server too.
        my @bad = CorsTest::module_problems($self->{pid});
        die "CorsHttpd $self->{name}: not the module under test:\n  "
            . join("\n  ", @bad) . "\n" if @bad;
        return $self;
    }
    die "CorsHttpd $self->{name}: no free port after $attempts tries\n";
}

# stop(): `httpd -k stop`, then waits until the parent and every child it
# had are gone (SIGKILL to those still there after the timeout). Safe to
# call twice.
sub stop {
    my ($self) = @_;
    my $pid = $self->{pid} or return;
    return if $self->{owner} != $$;  # a forked copy of the test
    my @pids = ($pid, $self->children);
    my ($rc, $out) = $self->httpd_cmd('stop');
    kill 'TERM', $pid if $rc != 0 && $self->ours($pid);
    my $gone = wait_gone($self->{timeout}, @pids);
    if (!$gone) {
        kill 'KILL', grep { $self->ours($_) } @pids;
        wait_gone(5, @pids);
        warn "CorsHttpd $self->{name}: had to SIGKILL the server\n";
    }
    untrack($self);
    delete $self->{pid};
    return $gone;
}

# graceful() / restart(): `-k graceful` / `-k restart`; returns once the
# parent has read the config again ("resuming normal operations" in the
# error_log) and the server answers. The parent pid stays the same; the
# children are new (after graceful, old ones may linger while they finish
# their requests). Dies if that does not happen.
sub graceful { $_[0]->restart_by('graceful') }
sub restart  { $_[0]->restart_by('restart') }

sub restart_by {
    my ($self, $how) = @_;
    die "CorsHttpd $self->{name}: not running\n" unless $self->{pid};
    my $mark = $self->error_log_mark;
    my ($rc, $out) = $self->httpd_cmd($how);
    die "CorsHttpd $self->{name}: `-k $how` failed (exit $rc):\n$out"
        if $rc != 0;
    my $until = Time::HiRes::time() + $self->{timeout};
    while ($self->error_log_since($mark) !~ /resuming normal operations/) {
        die "CorsHttpd $self->{name}: parent died on $how:\n"
            . $self->error_log_tail unless kill 0, $self->{pid};
        die "CorsHttpd $self->{name}: no restart after $how:\n"
            . $self->error_log_tail if Time::HiRes::time() > $until;
        Time::HiRes::sleep(0.05);
    }
    $self->wait_answering
        or die "CorsHttpd $self->{name}: not answering after $how\n";
    return $self;
}

# children(): the pids whose parent is the server's parent process.
sub children {
    my ($self) = @_;
    my $pid = $self->{pid} or return;
    my @kids;
    opendir my $dh, '/proc' or return;
    for my $p (grep { /^\d+$/ } readdir $dh) {
        open my $fh, '<', "/proc/$p/stat" or next;
        my $stat = <$fh> // next;
        # pid (comm) state ppid ...; comm may hold spaces and parentheses.
        push @kids, $p if $stat =~ /\)\s+\S+\s+(\d+)/ && $1 == $pid;
    }
    return sort { $a <=> $b } @kids;
}

# Whether process $pid runs our config (guards kill against pid reuse).
sub ours {
    my ($self, $pid) = @_;
    open my $fh, '<', "/proc/$pid/cmdline" or return 0;
    my $cmd = do { local $/; <$fh> } // '';
    return index($cmd, $self->{conf_file}) >= 0;
}

sub stop_stale {
    my ($self) = @_;
    my $pid = read_pid($self->{pid_file}) or return;
    return unless kill(0, $pid) && $self->ours($pid);
    local $self->{pid} = $pid;
    my @pids = ($pid, $self->children);
    kill 'TERM', $pid;
    wait_gone($self->{timeout}, @pids)
        or kill 'KILL', grep { $self->ours($_) } @pids;
}

# (exit status, stdout+stderr) of `httpd -f CONF -k $what`.
sub httpd_cmd {
    my ($self, $what) = @_;
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT or die;
        exec $self->{httpd}, '-f', $self->{conf_file}, '-k', $what
            or die "exec $self->{httpd}: $!";
    }
    my $out = do { local $/; <$fh> } // '';
    close $fh;
    return ($? >> 8, $out);
}

sub wait_pid_file {
    my ($self) = @_;
    my $until = Time::HiRes::time() + $self->{timeout};
    while (Time::HiRes::time() < $until) {
        my $pid = read_pid($self->{pid_file});
        return $pid if $pid && kill 0, $pid;
        Time::HiRes::sleep(0.05);
    }
    return;
}

# Any HTTP answer to a HEAD request (a 404 is fine) means it is up.
sub wait_answering {
    my ($self) = @_;
    my $until = Time::HiRes::time() + $self->{timeout};
    while (Time::HiRes::time() < $until) {
        return 0 unless kill 0, $self->{pid};
        my $s = IO::Socket::INET->new(PeerAddr => $self->hostport,
                                      Timeout => 2);
        if ($s) {
            print $s "HEAD /corshttpd-probe HTTP/1.0\r\n"
                   . "Host: localhost\r\n\r\n";
            my $line = <$s>;
            close $s;
            return 1 if defined $line && $line =~ m{^HTTP/1\.\d \d{3}};
        }
        Time::HiRes::sleep(0.05);
    }
    return 0;
}

sub wait_gone {
    my ($timeout, @pids) = @_;
    my $until = Time::HiRes::time() + $timeout;
    while (grep { kill 0, $_ } @pids) {
        return 0 if Time::HiRes::time() > $until;
        Time::HiRes::sleep(0.05);
    }
    return 1;
}

sub read_pid {
    my ($file) = @_;
    open my $fh, '<', $file or return;
    my $pid = <$fh> // return;
    return $pid =~ /^(\d+)/ ? $1 : undef;
}

# A port the kernel just gave out, so no one was listening on it. start()
# retries when another program takes it before httpd binds it.
sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1)
        or die "CorsHttpd: no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# ------------------------------------------------------------------ logs

sub log_file { catfile($_[0]{dir}, $_[1] // 'error_log') }

# error_log_mark() / error_log_since($mark), as in CorsTest; error_log():
# all of it. access_log_mark/_since for the access log ("%h %m %U%q %>s
# %{Origin}i").
sub error_log_mark   { -s $_[0]->log_file('error_log') || 0 }
sub error_log_since  { read_since($_[0]->log_file('error_log'), $_[1]) }
sub error_log        { read_since($_[0]->log_file('error_log'), 0) }
sub access_log_mark  { -s $_[0]->log_file('access_log') || 0 }
sub access_log_since { read_since($_[0]->log_file('access_log'), $_[1]) }

sub error_log_tail {
    my ($self, $lines) = @_;
    my @l = split /\n/, $self->error_log;
    splice @l, 0, @l - ($lines || 20) if @l > ($lines || 20);
    return join '', map { "  error_log: $_\n" } @l;
}

sub read_since {
    my ($file, $mark) = @_;
    open my $fh, '<', $file or return '';
    seek $fh, $mark || 0, 0;
    local $/;
    return scalar(<$fh>) // '';
}

# hook_order('Fixups') -> the modules in the order httpd runs that hook,
# from mod_info (start with info => 1). A module with two hooks there
# (mod_rewrite) appears twice. In scalar context: "mod_a.c mod_b.c ...".
sub hook_order {
    my ($self, $phase) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => $self->hostport, Timeout => 5)
        or die "CorsHttpd: connect: $!";
    print $s "GET /server-info?hooks HTTP/1.0\r\nHost: localhost\r\n\r\n";
    my $page = do { local $/; <$s> } // '';
    my ($list) = $page =~ m{<strong>\Q$phase\E:</strong>(.*?)</dt>}s
        or die "CorsHttpd: no hook '$phase' in /server-info?hooks\n";
    my @mods = $list =~ m{<a href="\?([^"]+)">}g;
    return wantarray ? @mods : "@mods";
}

# --------------------------------------------------- stopping at the end

# track($process) / untrack($process): a started process (a CorsHttpd, or
# another helper's, such as CorsPhpFpm's php-fpm: anything with a stop
# method) is stopped by stop_all() at the end of the test file, or when it
# is killed by a signal, if the test has not stopped it. Weak references:
# an object the test drops is stopped by its DESTROY instead.
sub track {
    my ($process) = @_;
    $RUNNING{refaddr $process} = $process;
    weaken $RUNNING{refaddr $process};
    install_signal_handlers();
}

sub untrack { delete $RUNNING{refaddr $_[0]} }

sub stop_all {
    for my $h (grep { defined } values %RUNNING) {
        eval { $h->stop };
        warn $@ if $@;
    }
}

# Killed by a signal: stop the processes, then do what the signal did
# before: the test's own handler, or die of it.
my $handlers_set;
sub install_signal_handlers {
    return if $handlers_set++;
    for my $sig (qw(INT TERM HUP QUIT)) {
        my $old = $SIG{$sig};
        $SIG{$sig} = sub {
            stop_all();
            return $old->(@_) if ref $old eq 'CODE';
            $SIG{$sig} = 'DEFAULT';
            kill $sig, $$;
        };
    }
}

sub DESTROY {
    my ($self) = @_;
    local ($@, $!, $?);
    eval { $self->stop };
}

END {
    local ($@, $!, $?);   # keep the test's exit status
    stop_all();
}

1;
