package CorsTest;
# Helpers shared by the mod_cors test files (t/*.t). t/TEST.PL puts t/lib on
# PERL5LIB, so a test only needs `use CorsTest;`. API summary in HARNESS.md.
use strict;
use warnings;

use Apache::Test ();
use Apache::TestRequest ();
use HTTP::Request ();
use File::Spec::Functions qw(catfile);
use Exporter 'import';

our @EXPORT = qw(
    cors_request preflight header_values header_tokens
    config_check config_error error_log_mark error_log_since
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

# ------------------------------------------------------- startup validation

my $seq = 0;

# config_check($directives, modules => [qw(headers ...)]) -> ($ok, $output)
# Writes a minimal httpd config (ServerRoot t/, the MPM, authz_core, the
# modules named, mod_cors from .libs) followed by $directives to
# t/logs/config_check_<pid>_<n>.conf, runs `apache2 -t -f FILE` and returns
# whether it printed Syntax OK and exited 0, and its stdout+stderr (errors
# and startup warnings). Line numbers in messages refer to that temporary
# file (set CORSTEST_KEEP_CONF=1 to keep it).
sub config_check {
    my ($directives, %opt) = @_;
    my $cfg  = Apache::Test::config();
    my $vars = $cfg->{vars};

    my $file = catfile($vars->{t_logs}, sprintf 'config_check_%d_%d.conf', $$, ++$seq);
    open my $fh, '>', $file or die "open $file: $!";
    print $fh config_header(@{ $opt{modules} || [] });
    print $fh $directives, "\n";
    close $fh or die "close $file: $!";

    my $pid = open(my $out, '-|') // die "fork: $!";
    if (!$pid) {
        open STDERR, '>&', \*STDOUT or die;
        exec $vars->{httpd}, '-t', '-f', $file or die "exec $vars->{httpd}: $!";
    }
    my $text = do { local $/; <$out> } // '';
    close $out;
    my $ok = $? == 0 && $text =~ /Syntax OK/;
    unlink $file unless $ENV{CORSTEST_KEEP_CONF};
    return ($ok, $text);
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

    my ($mpm) = grep { /^mod_mpm_/ } sort keys %$mods;
    my @load;
    push @load, $mpm if $mpm && !grep { $_ eq $mpm } @want;
    for my $m ('authz_core', @want) {
        my $c = "mod_$m.c";
        $c = $m if $m =~ /^mod_.*\.c$/;
        die "config_check: module $m unknown to the test config\n" unless $mods->{$c};
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
    $text .= qq{LoadModule cors_module "$mods->{'mod_cors.c'}"\n};
    return $text;
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
