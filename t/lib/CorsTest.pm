package CorsTest;
# Helpers shared by the mod_cors test files (t/*.t). t/TEST.PL puts t/lib on
# PERL5LIB, so a test only needs `use CorsTest;`. API summary in HARNESS.md.
use strict;
use warnings;

use Apache::Test ();
use Apache::TestRequest ();
use HTTP::Request ();
use File::Spec::Functions qw(catfile rel2abs);
use File::Basename qw(basename dirname);
use Cwd ();
use Exporter 'import';

our @EXPORT = qw(
    cors_request preflight header_values header_tokens
    config_check config_error error_log_mark error_log_since
    module_under_test
    cors_lines vary_origin
    $ACAO $ACAC $ACEH $ACAM $ACAH $ACMA $ACAPN
);

# The response headers mod_cors sets, for the tests' assertions.
our $ACAO  = 'Access-Control-Allow-Origin';
our $ACAC  = 'Access-Control-Allow-Credentials';
our $ACEH  = 'Access-Control-Expose-Headers';
our $ACAM  = 'Access-Control-Allow-Methods';
our $ACAH  = 'Access-Control-Allow-Headers';
our $ACMA  = 'Access-Control-Max-Age';
our $ACAPN = 'Access-Control-Allow-Private-Network';

# ---------------------------------------------------------------- requests

# cors_request($method, $url, $origin, @extra_headers) -> HTTP::Response
# Sends one request exactly as given: Origin only if $origin is defined, no
# redirect following, no automatic Basic-auth retry (pass an Authorization
# header yourself). $url is a path on the main server or an absolute URL.
# As in HTTP::Request::Common, a `Content => $body` pair sets the body.
sub cors_request {
    my ($method, $url, $origin, @headers) = @_;
    my $req = HTTP::Request->new($method => Apache::TestRequest::resolve_url($url));
    $req->header(Origin => $origin) if defined $origin;
    while (my ($k, $v) = splice @headers, 0, 2) {
        if ($k eq 'Content') {
            $req->content($v);
            $req->header('Content-Length' => length $v);
        }
        else {
            $req->push_header($k => $v);
        }
    }
    return ua()->simple_request($req);
}

# preflight($url, $origin, $method, $request_headers, @extra_headers)
# OPTIONS with Origin (if defined), Access-Control-Request-Method (if defined)
# and Access-Control-Request-Headers (if defined; string, or array ref that is
# joined with ", ").
sub preflight {
    my ($url, $origin, $method, $req_headers, @headers) = @_;
    push @headers, 'Access-Control-Request-Method' => $method if defined $method;
    if (defined $req_headers) {
        $req_headers = join ', ', @$req_headers if ref $req_headers;
        push @headers, 'Access-Control-Request-Headers' => $req_headers;
    }
    return cors_request(OPTIONS => $url, $origin, @headers);
}

# header_values($res, $name) -> every value of header $name, one element per
# header line as received (so two Access-Control-Allow-Origin lines give two
# elements). Scalar context: the number of lines.
sub header_values {
    my ($res, $name) = @_;
    my @v = $res->headers->header($name);
    return wantarray ? @v : scalar @v;
}

# header_tokens($res, $name) -> the comma-separated tokens of all lines of
# header $name, trimmed, empty ones dropped (e.g. Vary, ACAM, ACAH).
sub header_tokens {
    my ($res, $name) = @_;
    return grep { length } map { s/^[ \t]+|[ \t]+$//gr } map { split /,/ }
        header_values($res, $name);
}

# The Apache::TestRequest user agent (knows the test server's host:port).
# Every header line whose name starts with $prefix (default
# "Access-Control-"), as "Name: value", in the order received: duplicates
# and leftovers from a backend both show.
sub cors_lines {
    my ($res, $prefix) = @_;
    $prefix = 'Access-Control-' unless defined $prefix;
    my @out;
    $res->headers->scan(sub {
        push @out, "$_[0]: $_[1]" if $_[0] =~ /^\Q$prefix\E/i;
    });
    return @out;
}

# How many times the token Origin appears in Vary, over all Vary lines.
sub vary_origin {
    my ($res) = @_;
    return scalar grep { lc $_ eq 'origin' } header_tokens($res, 'Vary');
}

sub ua { Apache::TestRequest::user_agent() }

# ------------------------------------------------------ the module under test

# The repository this file belongs to (t/lib/CorsTest.pm -> ../..).
my $TOP = dirname(dirname(dirname(Cwd::abs_path(__FILE__))));

# module_under_test() -> absolute path of the mod_cors.so every test server
# and every `apache2 -t` must load: $ENV{MOD_CORS_SO} if set (`make
# test-asan`: build/asan/mod_cors.so), else <repo>/.libs/mod_cors.so. Never
# an installed module: t/TEST.PL uses this for the server's LoadModule (and
# exports the absolute path in MOD_CORS_SO, so the .t processes agree),
# config_check for its LoadModule, t/00_module.t to check what the running
# server mapped. Symbolic links are resolved, as in /proc/PID/maps.
sub module_under_test {
    my $so = $ENV{MOD_CORS_SO};
    $so = catfile($TOP, '.libs', 'mod_cors.so') unless defined $so && length $so;
    $so = rel2abs($so);
    return Cwd::abs_path($so) // $so;
}

# mapped_cors_modules($pid) -> the distinct files whose name starts with
# "mod_cors" and ends in ".so" that process $pid has mapped, from
# /proc/PID/maps, each { path, dev => "MAJOR:MINOR" (hex), ino, deleted }.
# Dies if the maps file cannot be read.
sub mapped_cors_modules {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/maps" or die "/proc/$pid/maps: $!\n";
    my (%seen, @out);
    while (<$fh>) {
        my (undef, undef, undef, $dev, $ino, $path) = split ' ', $_, 6;
        next unless defined $path;
        chomp $path;
        my $deleted = $path =~ s/ \(deleted\)$//;
        next unless basename($path) =~ /^mod_cors.*\.so/;
        next if $seen{"$dev $ino $path"}++;
        push @out, { path => $path, dev => lc $dev, ino => $ino,
                     deleted => $deleted ? 1 : 0 };
    }
    return @out;
}

# "MAJOR:MINOR" in hex as /proc/PID/maps writes it, for a stat() st_dev
# (glibc's encoding of dev_t).
sub dev_string {
    my ($dev) = @_;
    my $major = (($dev >> 8) & 0xfff) | (($dev >> 32) & ~0xfff);
    my $minor = ($dev & 0xff) | (($dev >> 12) & ~0xff);
    return sprintf '%02x:%02x', $major, $minor;
}

# module_problems($pid, $so) -> what is wrong with the mod_cors process $pid
# has mapped, compared with the file $so (default module_under_test()); an
# empty list when it mapped exactly one mod_cors*.so and that is $so (same
# path, same device and inode, not replaced since).
sub module_problems {
    my ($pid, $so) = @_;
    $so //= module_under_test();
    my @st = stat $so or return ("$so: $!");
    my ($dev, $ino) = (dev_string($st[0]), $st[1]);
    my @maps = mapped_cors_modules($pid);
    return ("process $pid has no mod_cors*.so mapped") unless @maps;
    my @bad;
    push @bad, "process $pid has " . @maps . " mod_cors*.so mapped: "
        . join(', ', map { "$_->{path} ($_->{dev} $_->{ino})" } @maps)
        if @maps > 1;
    for my $m (@maps) {
        my @why;
        push @why, "not the path $so" if $m->{path} ne $so;
        push @why, "device:inode $m->{dev} $m->{ino}, not $dev $ino"
            if $m->{dev} ne $dev || $m->{ino} ne $ino;
        push @why, 'deleted or replaced since the server started'
            if $m->{deleted};
        push @bad, "process $pid mapped $m->{path}: " . join('; ', @why)
            if @why;
    }
    return @bad;
}

# ------------------------------------------------------- startup validation

my $seq = 0;

# config_check($directives, modules => [qw(headers ...)],
#              defines => [qw(DUMP_CORS)]) -> ($ok, $output)
# Writes a minimal httpd config (ServerRoot t/, the MPM, authz_core, the
# modules named, then module_under_test()) followed by $directives to
# t/logs/config_check_<pid>_<n>.conf, runs `apache2 -t -f FILE` and returns
# whether it printed Syntax OK and exited 0, and its stdout+stderr (errors
# and startup warnings). Line numbers in messages refer to that temporary
# file (set CORSTEST_KEEP_CONF=1 to keep it).
# Guard, so that a test can never judge another mod_cors (such as one
# installed in the system): dies without running anything unless the file
# has exactly one LoadModule of cors_module or of a mod_cors*.so, naming
# module_under_test(), and no Include; then dies unless `apache2 -t -D
# DUMP_MODULES -f FILE` lists cors_module exactly once, as a shared module
# (for a file httpd rejects, which prints no list, the same check runs once
# on its first lines, up to that LoadModule).
sub config_check {
    my ($directives, %opt) = @_;
    my $cfg  = Apache::Test::config();
    my $vars = $cfg->{vars};

    my $header = config_header(@{ $opt{modules} || [] });
    my $text = $header . $directives . "\n";
    my $file = catfile($vars->{t_logs}, sprintf 'config_check_%d_%d.conf', $$, ++$seq);
    check_config_text($text, $file);
    write_file($file, $text);

    my ($status, $out) = run_httpd($vars->{httpd}, '-t',
                                   (map { ('-D', $_) } @{ $opt{defines} || [] }),
                                   '-f', $file);
    my $ok = $status == 0 && $out =~ /Syntax OK/;
    check_dumped_modules($file, $header);
    unlink $file unless $ENV{CORSTEST_KEEP_CONF};
    return ($ok, $out);
}

sub write_file {
    my ($file, $text) = @_;
    open my $fh, '>', $file or die "open $file: $!";
    print $fh $text;
    close $fh or die "close $file: $!";
}

# run_httpd(@command) -> ($?, stdout and stderr)
sub run_httpd {
    my @cmd = @_;
    my $pid = open(my $out, '-|') // die "fork: $!";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT or die;
        exec @cmd or die "exec $cmd[0]: $!";
    }
    my $text = do { local $/; <$out> } // '';
    close $out;
    return ($?, $text);
}

# config_error($directives, %opt) -> apache2 -t's output if the config was
# rejected, undef if it passed. `like(config_error("CorsMaxAge -1"), qr/.../)`
sub config_error {
    my ($ok, $text) = config_check(@_);
    return $ok ? undef : $text;
}

sub config_header {
    my @want = @_;
    my $cfg  = Apache::Test::config();
    my $vars = $cfg->{vars};
    my $mods = $cfg->{modules};
    my $so   = module_under_test();
    die "config_check: $so not found; run `make` first\n" unless -f $so;

    my ($mpm) = grep { /^mod_mpm_/ } sort keys %$mods;
    my @load;
    push @load, $mpm if $mpm && !grep { $_ eq $mpm } @want;
    for my $m ('authz_core', @want) {
        my $c = "mod_$m.c";
        $c = $m if $m =~ /^mod_.*\.c$/;
        die "config_check: module $m unknown to the test config\n" unless $mods->{$c};
        die "config_check: mod_cors is loaded from module_under_test(), "
          . "not from the module list\n" if $c =~ /^mod_cors/;
        push @load, $c;
    }
    my $text = qq{ServerRoot "$vars->{serverroot}"\n}
             . qq{ServerName localhost\n}
             . qq{ErrorLog "$vars->{t_logs}/config_check_error_log"\n}
             . qq{PidFile "$vars->{t_logs}/config_check.pid"\n};
    for my $c (@load) {
        (my $name = $c) =~ s/^mod_(.*)\.c$/${1}_module/;
        $text .= qq{<IfModule !$c>\nLoadModule $name "$mods->{$c}"\n</IfModule>\n};
    }
    # Not $mods->{'mod_cors.c'}: in a .t process Apache::Test rebuilds its
    # module list from the system's httpd config, where an installed
    # mod_cors (a2enmod cors) would win over the build under test.
    $text .= qq{LoadModule cors_module "$so"\n};
    return $text;
}

# cors_loads($text) -> the [module, file] of every LoadModule line in $text
# that loads cors_module or a file named mod_cors*.so (in any section).
sub cors_loads {
    my ($text) = @_;
    my @out;
    for (split /\n/, $text) {
        next unless /^\s*LoadModule\s+(\S+)\s+(?:"([^"]*)"|(\S+))/i;
        my ($name, $path) = ($1, $2 // $3);
        push @out, [$name, $path]
            if $name eq 'cors_module' || basename($path) =~ /^mod_cors.*\.so/;
    }
    return @out;
}

# config_cors_loads($file, $server_root) -> like cors_loads, [module, file,
# "conf:line"], for an httpd config file and every file it Includes (globs
# expanded, relative paths taken from $server_root, default the test
# config's ServerRoot, t/).
sub config_cors_loads {
    my ($file, $root, $seen) = @_;
    $root //= Apache::Test::vars('serverroot');
    $seen ||= {};
    return () if $seen->{$file}++;
    open my $fh, '<', $file or die "config_cors_loads: $file: $!\n";
    my @out;
    while (my $line = <$fh>) {
        if ($line =~ /^\s*Include(?:Optional)?\s+(?:"([^"]*)"|(\S+))/i) {
            my $inc = $1 // $2;
            $inc = catfile($root, $inc) unless $inc =~ m{^/};
            push @out, config_cors_loads($_, $root, $seen) for sort glob $inc;
        }
        elsif (my ($load) = cors_loads($line)) {
            push @out, [ @$load, "$file:$." ];
        }
    }
    return @out;
}

# Dies unless the config $text (to be written to $file) loads mod_cors
# exactly once, from module_under_test(), and includes no other file.
sub check_config_text {
    my ($text, $file) = @_;
    my $so = module_under_test();
    my @bad;
    my @loads = cors_loads($text);
    push @bad, 'no LoadModule of mod_cors' unless @loads;
    push @bad, scalar(@loads) . ' LoadModule lines of mod_cors' if @loads > 1;
    push @bad, "LoadModule $_->[0] $_->[1]: not cors_module from $so"
        for grep { $_->[0] ne 'cors_module' || $_->[1] ne $so } @loads;
    push @bad, "an Include line ($1)"
        if $text =~ /^\s*(Include(?:Optional)?\s+.*)$/mi;
    die "config_check: refusing to run apache2 -t on $file, which must load "
      . "the module under test ($so) exactly once and nothing else of "
      . "mod_cors:\n  " . join("\n  ", @bad) . "\n" if @bad;
}

# dumped_modules($file) -> httpd's list of the modules $file loads
# (`apache2 -t -D DUMP_MODULES -f $file`), e.g. "cors_module (shared)";
# an empty list if httpd rejects the file.
sub dumped_modules {
    my ($file) = @_;
    my $httpd = Apache::Test::vars('httpd');
    my (undef, $out) = run_httpd($httpd, '-t', '-D', 'DUMP_MODULES', '-f', $file);
    return () unless $out =~ /^Loaded Modules:\n((?:[ \t]+\S+ \(\w+\)\n)*)/m;
    return map { s/^\s+//r } split /\n/, $1;
}

# Dies unless httpd lists cors_module once, as a shared module, for $file,
# or, if httpd rejects $file, for its $header alone (checked once per
# header and process).
my %header_checked;
sub check_dumped_modules {
    my ($file, $header) = @_;
    my @mods = dumped_modules($file);
    my $what = $file;
    if (!@mods) {
        return if $header_checked{$header};
        $what = "$file.header";
        write_file($what, $header);
        @mods = dumped_modules($what);
        unlink $what unless $ENV{CORSTEST_KEEP_CONF};
    }
    my @cors = grep { /^cors_module\b/ } @mods;
    die "config_check: `apache2 -t -D DUMP_MODULES -f $what` "
      . (@mods ? 'listed cors_module ' . @cors . ' times (' . join(', ', @cors) . ')'
               : 'printed no module list')
      . ', expected it once, shared, from ' . module_under_test() . "\n"
        unless @cors == 1 && $cors[0] eq 'cors_module (shared)';
    $header_checked{$header} = 1 if $what ne $file;
}

# --------------------------------------------------------------- error_log

# my $mark = error_log_mark();  ...requests...;  my $new = error_log_since($mark);
# The server writes t/logs/error_log; read what was appended in between.
sub error_log_file { catfile(Apache::Test::vars('t_logs'), 'error_log') }

sub error_log_mark { -s error_log_file() || 0 }

sub error_log_since {
    my ($mark) = @_;
    open my $fh, '<', error_log_file() or return '';
    seek $fh, $mark || 0, 0;
    local $/;
    return scalar(<$fh>) // '';
}

1;
