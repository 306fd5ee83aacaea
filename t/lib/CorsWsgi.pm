package CorsWsgi;
# A Python WSGI application under mod_wsgi, in a private httpd
# (t/lib/CorsHttpd.pm), for t/wsgi_flask.t and t/wsgi_example.t.
#
#   my $h = CorsWsgi::server(
#       name   => 'wsgi_modcors',            # t/logs/wsgi_modcors/
#       files  => { 'app.py' => $python },   # written into that directory
#       wsgi   => "from app import app as application\n",
#       python_path => [$dir, ...],          # besides that directory
#       config => $apache_text,              # e.g. the <Location> with Cors On
#       modules => [qw(auth_basic ...)],     # besides cors and wsgi
#   );                                       # started; stop with $h->stop
#
# deploy => TEXT replaces the default mod_wsgi lines (WSGIDaemonProcess
# named after the server, python-path, WSGIScriptAlias / of app.wsgi);
# $h->dir is where the files are.
#
# mod_wsgi is loaded explicitly (LoadModule wsgi_module from the apxs
# module directory), never taken from /etc/apache2. Daemon mode, one
# process: as root it runs as the test server's user (nobody), so
# everything it reads is world-readable (t/TEST.PL sees to t/, umask 022
# to t/logs). No bytecode is written (WSGIDontWriteBytecode), so nothing
# appears in t/ when the suite runs as an ordinary user. The directories
# are searched for modules in the order given, the server's own first.
use strict;
use warnings;

use Apache::Test ();
use CorsHttpd;
use CorsFetch;
use CorsTest qw(cors_lines);
use File::Spec::Functions qw(catfile);
use Test::More ();

sub server {
    my (%opt) = @_;
    my $name = $opt{name} or die "CorsWsgi: name needed\n";
    # Dies when mod_wsgi.so is missing: the test fails, it never skips.
    my $h = CorsHttpd->new(
        name    => $name,
        # More modules (auth_basic, ...) where a test needs them.
        modules => ['cors', @{ $opt{modules} || [] }, 'wsgi'],
        config  => 'placeholder',
    );
    my $dir = $h->dir;
    my %files = (%{ $opt{files} || {} }, 'app.wsgi' => $opt{wsgi});
    for my $f (sort keys %files) {
        CorsTest::write_file(catfile($dir, $f), $files{$f});
        chmod 0644, catfile($dir, $f);
    }
    my $path = join ':', $dir, @{ $opt{python_path} || [] };
    my $deploy = $opt{deploy} // <<"EOF";
WSGIDaemonProcess $name processes=1 threads=4 home=$dir python-path=$path display-name=%{GROUP}
WSGIProcessGroup $name
WSGIApplicationGroup %{GLOBAL}
WSGIPassAuthorization On
WSGIScriptAlias / "$dir/app.wsgi"
<Directory "$dir">
    Require all granted
</Directory>
EOF
    $h->{config} = <<"EOF" . $deploy . ($opt{config} // '');
# mod_wsgi (CorsWsgi.pm): its sockets here, no bytecode written, no
# Python in httpd's own processes (daemon mode only).
WSGISocketPrefix "$dir/wsgi"
WSGIDontWriteBytecode On
WSGIRestrictEmbedded On
EOF
    $h->start;
    wait_for_app($h);
    return $h;
}

# The daemon process imports the application on the first request; a
# daemon that cannot start (a bad python-path, a home directory it cannot
# enter) makes every request wait for httpd's Timeout. Wait here, with
# short requests, until the application answers (any status below 500:
# an unknown URL is Flask's 404), and die with the error_log otherwise.
sub wait_for_app {
    my ($h) = @_;
    require LWP::UserAgent;
    my $ua = LWP::UserAgent->new(timeout => 5);
    my $until = time + 40;
    my $res;
    while (time < $until) {
        $res = $ua->get($h->url('/cors-wsgi-probe'));
        return if $res->code < 500;
        sleep 1;
    }
    die "CorsWsgi " . $h->name . ": the application does not answer ("
      . $res->status_line . "):\n" . $h->error_log_tail(30);
}

# documented($phrase) -> whether the manual says it: README.md or any
# docs/*.md, compared without Markdown's ` and * and with white space
# collapsed, ignoring case. The rows of a comparison where the two stacks
# differ name the difference this way, so that a difference nobody wrote
# down fails the test, and so does a manual that drops one.
sub documented {
    my ($phrase) = @_;
    my $top = Apache::Test::vars('top_dir');
    my $text = '';
    for my $f ("$top/README.md", sort glob "$top/docs/*.md") {
        open my $fh, '<', $f or next;
        local $/;
        $text .= <$fh> . "\n";
    }
    my $norm = sub { my $t = lc shift; $t =~ tr/`*//d; $t =~ s/\s+/ /g; $t };
    return index($norm->($text), $norm->($phrase)) >= 0;
}

# compare(\@rows, mod_cors => $base_url, flask_cors => $base_url)
# For each row { name, call => {...} for CorsFetch::browse, want =>
# VERDICT } both stacks must give the expected browser verdict, the same
# one; a row with { want => { mod_cors => V1, flask_cors => V2 },
# differs => PHRASE } asserts each stack's verdict and that the manual
# documents the difference (documented(PHRASE)). Returns the results,
# { name => { mod_cors => $browse_result, flask_cors => ... } }.
sub compare {
    my ($rows, %base) = @_;
    my %out;
    for my $row (@$rows) {
        my $name = $row->{name};
        my %v = map { $_ => CorsFetch::browse($base{$_}, $row->{call}) }
                qw(mod_cors flask_cors);
        $out{$name} = \%v;
        my %want = ref $row->{want} ? %{ $row->{want} }
                 : (mod_cors => $row->{want}, flask_cors => $row->{want});
        for my $side (qw(mod_cors flask_cors)) {
            my $label = $side eq 'mod_cors' ? 'mod_cors' : 'Flask-CORS';
            Test::More::is($v{$side}{verdict}, $want{$side},
                           "$name: $label: browser verdict")
                or Test::More::diag(explain_result($label, $v{$side}));
        }
        if (defined $row->{differs}) {
            die "row '$name': a difference needs two different verdicts\n"
                if $want{mod_cors} eq $want{flask_cors};
            Test::More::ok(documented($row->{differs}),
                "$name: the verdicts differ as documented: \"$row->{differs}\"");
        }
        else {
            Test::More::is($v{mod_cors}{verdict}, $v{flask_cors}{verdict},
                           "$name: same verdict with mod_cors and Flask-CORS");
        }
    }
    return \%out;
}

sub explain_result {
    my ($label, $v) = @_;
    my $text = "$label: $v->{verdict}" . ($v->{why} ? " ($v->{why})" : '') . "\n";
    for my $k (qw(preflight response)) {
        my $res = $v->{$k} or next;
        $text .= "  $k: " . $res->code . ' ' . join(' | ', sort(cors_lines($res)),
                 map { "$_: " . ($res->header($_) // '-') } qw(X-App Vary)) . "\n";
    }
    return $text;
}

# Number of assertions compare() makes for @rows.
sub compare_tests { my ($rows) = @_; return 3 * @$rows }

1;
