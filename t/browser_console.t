# Area "browser_console": the console messages of real browsers, checked
# against the documentation (config: t/conf/browser_console.conf.in).
#
# Headless Chromium and Firefox (Debian's /usr/bin/chromium and
# /usr/bin/firefox-esr, driven by t/browser/console_driver.mjs through
# puppeteer-core) load t/htdocs/console/page.html and make one call per usual
# CORS failure: origin refused, request header refused, method refused,
# credentials with `*`, credentials without Access-Control-Allow-Credentials,
# a preflight answered 401 outside the Cors scope, a preflight redirected,
# and a shared cache without Vary. The driver records what the page's script
# saw and every console message (Chromium: CDP Log.entryAdded through
# puppeteer's 'console' event; Firefox: WebDriver BiDi log.entryAdded).
#
# docs/console-messages.md is the single source of the expected messages:
# for each case and engine, the test takes the messages (and the script's
# error) from the doc, replaces the placeholders by this run's URLs and
# origins, and fails when a captured message is not in the doc or a message
# in the doc was not captured, printing both lists. A browser of another
# major version than the doc names only gets a note: the messages decide.
# The API's access log (t/logs/console_api_log) backs the doc's
# explanations: which requests reached the server, with which status.
#
# What each assertion catches: "the console messages are the doc's" and
# "the script sees": a browser or mod_cors change in any failure (tried:
# CorsVaryHeader Off ignored, refused preflights passed to the handler,
# Access-Control-Allow-Credentials sent without CorsSupportsCredentials,
# and edits of the doc's messages); "the server got": a preflight answered
# with another status, or an actual request sent after a failed preflight.
#
# A browser that is missing or does not start fails this file; it is never
# skipped.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use JSON::PP ();
use File::Spec::Functions qw(catfile);
use CorsBrowser;
use Time::HiRes qw(time sleep);

my @ENGINES = qw(chromium firefox);
my %ENGINE_NAME = (chromium => 'Chromium', firefox => 'Firefox');

my $t_dir     = Apache::Test::vars('t_dir');
my $t_logs    = Apache::Test::vars('t_logs');
my $driver    = catfile($t_dir, 'browser', 'console_driver.mjs');
my $doc_file  = catfile(Apache::Test::vars('top_dir'), 'docs', 'console-messages.md');
my $page_port = Apache::Test::vars('console_page_port');
my $api_port  = Apache::Test::vars('console_api_port');

my %ORIGIN = map { $_ => "http://$_.example.test:$page_port" } qw(app other evil);
my $API_HOST = "api.example.test:$api_port";
my $API      = "http://$API_HOST";
my @HOSTS    = ((map { "$_.example.test" } sort keys %ORIGIN), 'api.example.test');

# Unique per run and engine: no cache (the browsers' or mod_cache's) from an
# earlier run answers for this one, and a message names its case's URL.
my $run = sprintf '%x%x', int time, $$;

# ---------------------------------------------------------------- the cases
# One call each: id (the doc's `<!-- case: ID -->`), page origin (key of
# %ORIGIN), path under /console/ (the case id ends it, so that every URL is
# unique), api (fetch, the default, or xhr), method, headers, credentials;
# location: the path the server redirects to; cached: the origin whose
# answer the test stores in mod_cache first (no-vary-cache); sent: what
# the API's access log must show for the URL ("METHOD STATUS", in order),
# which backs the doc's "What it means" (a refused preflight's status, the
# actual request never sent after it).
my @CASES = (
    # Not in CorsOrigins: the actual request is answered without
    # Access-Control-Allow-Origin.
    { id => 'origin-refused',     page => 'evil', path => 'api/open/origin-refused',
      sent => ['GET 200'] },
    { id => 'origin-refused-xhr', page => 'evil', path => 'api/open/origin-refused-xhr',
      api => 'xhr', sent => ['GET 200'] },
    # The preflight asks for X-Denied, which CorsAllowHeaders lacks: mod_cors
    # answers the preflight without any Access-Control-Allow-* header.
    { id => 'header-refused', page => 'app', path => 'api/open/header-refused',
      headers => { 'X-Denied' => 'yes' }, sent => ['OPTIONS 204'] },
    # The same for a method CorsMethods lacks.
    { id => 'method-refused', page => 'app', path => 'api/methods/method-refused',
      method => 'DELETE', sent => ['OPTIONS 204'] },
    # CorsSendWildcard On, and the page sends cookies.
    { id => 'credentials-wildcard', page => 'app', path => 'api/public/credentials-wildcard',
      credentials => 'include', sent => ['GET 200'] },
    # The origin is allowed, but CorsSupportsCredentials is Off.
    { id => 'credentials-not-supported', page => 'app',
      path => 'api/open/credentials-not-supported', credentials => 'include',
      sent => ['GET 200'] },
    # Basic auth on a path no Cors section covers: the preflight gets 401.
    { id => 'preflight-401', page => 'app', path => 'private/preflight-401',
      headers => { Authorization => 'Bearer t0ken' }, sent => ['OPTIONS 401'] },
    # Redirect /console/api/moved/ -> /console/api/open/.
    { id => 'preflight-redirect', page => 'app', path => 'api/moved/preflight-redirect',
      location => 'api/open/preflight-redirect', method => 'PUT', sent => ['OPTIONS 302'] },
    # CorsVaryHeader Off behind mod_cache: app's answer, stored first, is
    # served to other (the test's two requests, then the browser's).
    { id => 'no-vary-cache', page => 'other', path => 'novary/data.json', cached => 'app',
      sent => ['GET 200', 'GET 200', 'GET 200'] },
);
my %CASE = map { $_->{id} => $_ } @CASES;

sub url_for {
    my ($path, $engine) = @_;
    return "$API/console/$path?run=$engine-$run";
}

# The placeholders of the doc and their values for one engine's case,
# longest first (URLs before origins).
sub placeholders {
    my ($c, $engine) = @_;
    my @p = ('<url>' => url_for($c->{path}, $engine));
    push @p, '<location>' => url_for($c->{location}, $engine) if $c->{location};
    push @p, '<cached-origin>' => $ORIGIN{ $c->{cached} } if $c->{cached};
    push @p, '<origin>' => $ORIGIN{ $c->{page} };
    return @p;
}

sub normalise {
    my ($text, @p) = @_;
    while (my ($name, $value) = splice @p, 0, 2) {
        $text =~ s/\Q$value\E/$name/g;
    }
    $text =~ s/\s+$//;
    return $text;
}

# ------------------------------------------------------------------ the doc
# Per case (from `<!-- case: ID -->` to the next marker or `## ` heading):
# a line "Chromium console:" or "Firefox console:", then a fenced block
# with one message a line; and the line
#   The script sees: `...` (Chromium); `...` (Firefox).
# Versions: "**Chromium 156.0.8078.129**" and "**Firefox 153.8.0esr**".
sub parse_doc {
    my ($file) = @_;
    open my $in, '<:encoding(UTF-8)', $file or return { error => "$file: $!" };
    my %doc = (cases => {}, versions => {});
    my ($case, $engine, $in_block);
    while (my $line = <$in>) {
        chomp $line;
        if ($in_block) {
            if ($line =~ /^```/) { $in_block = 0; undef $engine; next }
            push @{ $doc{cases}{$case}{messages}{$engine} }, $line if length $line;
            next;
        }
        while ($line =~ /\*\*(Chromium|Firefox) ([0-9][0-9A-Za-z.]*)\*\*/g) {
            $doc{versions}{ lc $1 } //= $2;
        }
        if ($line =~ /^<!-- case: ([a-z0-9-]+) -->/) {
            $case = $1;
            push @{ $doc{duplicates} }, $case if $doc{cases}{$case};
            $doc{cases}{$case} = { messages => { chromium => [], firefox => [] }, script => {} };
            undef $engine;
            next;
        }
        if ($line =~ /^## /) { undef $case; undef $engine; next }
        next unless defined $case;
        if ($line =~ /^(Chromium|Firefox) console:\s*$/) { $engine = lc $1; next }
        if ($line =~ /^```/ && defined $engine) { $in_block = 1; next }
        if ($line =~ /^The script sees: `([^`]+)` \(Chromium\); `([^`]+)` \(Firefox\)\.?\s*$/) {
            $doc{cases}{$case}{script} = { chromium => $1, firefox => $2 };
        }
    }
    return \%doc;
}

# ------------------------------------------------------------------ running
sub plan_for {
    my ($engine) = @_;
    my @cases;
    for my $c (@CASES) {
        push @cases, {
            id => $c->{id},
            page => "$ORIGIN{ $c->{page} }/console/page.html",
            steps => [{
                name => 'call',
                api => $c->{api} // 'fetch',
                url => url_for($c->{path}, $engine),
                ($c->{method} ? (method => $c->{method}) : ()),
                ($c->{headers} ? (headers => $c->{headers}) : ()),
                ($c->{credentials} ? (credentials => $c->{credentials}) : ()),
            }],
        };
    }
    return { hosts => \@HOSTS, cases => \@cases };
}

# Runs the driver for one engine (t/lib/CorsBrowser.pm), never longer
# than 90 s.
sub run_engine {
    my ($engine, $plan) = @_;
    return CorsBrowser::run($driver, $engine, $plan,
        catfile($t_logs, "browser_console_$engine"), 90);
}

# Stores the cached origin's answer of no-vary-cache in mod_cache, then asks
# as the page's origin: that answer must come from the cache with the
# cached origin's Access-Control-Allow-Origin and no Vary. Returns the
# failures (an empty list when the set-up is as the doc says).
sub prime_cache {
    my ($engine) = @_;
    my $c = $CASE{'no-vary-cache'};
    (my $path = url_for($c->{path}, $engine)) =~ s{^\Q$API\E}{};
    my $url = "http://127.0.0.1:$api_port$path";
    my $stored = cors_request(GET => $url, $ORIGIN{ $c->{cached} }, Host => $API_HOST);
    my $hit    = cors_request(GET => $url, $ORIGIN{ $c->{page} },   Host => $API_HOST);
    my @why;
    push @why, 'storing answer: status ' . $stored->code unless $stored->code == 200;
    push @why, 'storing answer: Access-Control-Allow-Origin '
        . ($stored->header($ACAO) // 'none')
        unless ($stored->header($ACAO) // '') eq $ORIGIN{ $c->{cached} };
    push @why, 'second answer not from the cache: X-Cache ' . ($hit->header('X-Cache') // 'none')
        unless ($hit->header('X-Cache') // '') =~ /^HIT/;
    push @why, 'second answer: Access-Control-Allow-Origin ' . ($hit->header($ACAO) // 'none')
        unless ($hit->header($ACAO) // '') eq $ORIGIN{ $c->{cached} };
    push @why, 'Vary: ' . join(', ', $hit->header('Vary')) if vary_origin($hit);
    return @why;
}

my $api_log  = catfile($t_logs, 'console_api_log');
my $log_mark = -s $api_log || 0;
my %doc_of_run = %{ parse_doc($doc_file) };
my (%results, %primed);
for my $engine (@ENGINES) {
    $primed{$engine} = [prime_cache($engine)];
    $results{$engine} = run_engine($engine, plan_for($engine));
}

# The API's access log since the start: "path?query" -> ["METHOD STATUS", ...].
my %LOG;
if (open my $in, '<', $api_log) {
    seek $in, $log_mark, 0;
    while (<$in>) {
        my ($method, $uri, $status) = split ' ';
        push @{ $LOG{$uri} }, "$method $status";
    }
}

# -------------------------------------------------------------- the checks
my (@CHECKS, @NOTES);

# The doc itself: readable, every case of this file in it once, nothing else.
push @CHECKS, [ok => !$doc_of_run{error}, "docs/console-messages.md read",
    $doc_of_run{error}];
my @doc_ids  = sort keys %{ $doc_of_run{cases} || {} };
my @test_ids = sort map { $_->{id} } @CASES;
push @CHECKS, [is_deeply => \@doc_ids, \@test_ids,
    'the doc has a <!-- case: ID --> section for each case of t/browser_console.t, and no other'];
push @CHECKS, [is_deeply => $doc_of_run{duplicates} || [], [], 'no case twice in the doc'];

for my $engine (@ENGINES) {
    my $res  = $results{$engine};
    my $name = $ENGINE_NAME{$engine};
    push @CHECKS, [ok => !$res->{error} && $res->{version},
        "$engine: started and drove the browser", $res->{error}];
    push @CHECKS, [is_deeply => $primed{$engine}, [],
        "$engine: no-vary-cache: mod_cache serves the stored origin's answer, without Vary",
        join "\n", @{ $primed{$engine} }];

    # The doc names the versions its messages were captured from. A newer
    # browser whose messages still agree is no failure (CI installs
    # whatever Chromium Debian ships that day); the messages are what is
    # checked. Say so, so that the version line gets bumped.
    my ($major) = ($res->{version} // '') =~ m{/(\d+)\.};
    my ($doc_major) = ($doc_of_run{versions}{$engine} // '') =~ /^(\d+)\./;
    push @CHECKS, [ok => defined $doc_major,
        "$engine: the doc names the $name version its messages come from"];
    if (defined $major && defined $doc_major && $major ne $doc_major) {
        push @NOTES, "$engine: browser " . $res->{version}
            . ", doc: $doc_of_run{versions}{$engine}; if the messages"
            . " agree, bump the version in docs/console-messages.md";
    }

    # Each message to the case whose URL it names (in its text, or as the
    # console entry's URL).
    my (%got, @stray);
    MESSAGE: for my $m (@{ $res->{messages} || [] }) {
        for my $c (@CASES) {
            my $url = url_for($c->{path}, $engine);
            if (index($m->{text}, $url) >= 0 || ($m->{url} // '') eq $url) {
                push @{ $got{ $c->{id} } }, $m;
                next MESSAGE;
            }
        }
        push @stray, $m;
    }
    push @CHECKS, [is_deeply => [map { $_->{text} } @stray], [],
        "$engine: no console message outside the cases' calls",
        join "\n", map { "$_->{channel} ($_->{level}): $_->{text}" } @stray];

    for my $c (@CASES) {
        my $id   = $c->{id};
        my $case = $res->{cases}{$id} || { error => 'case did not run' };
        my $call = $case->{steps}{call} || {};
        my $want = $doc_of_run{cases}{$id} || { messages => {}, script => {} };
        my @p    = placeholders($c, $engine);

        push @CHECKS, [ok => !$case->{error}, "$engine: $id: case ran", $case->{error}];
        (my $uri = url_for($c->{path}, $engine)) =~ s{^\Q$API\E}{};
        push @CHECKS, [is_deeply => $LOG{$uri} || [], $c->{sent},
            "$engine: $id: the server got @{ $c->{sent} }"];
        push @CHECKS, [is => $call->{saw} ? "saw status $call->{status}" : $call->{error},
            $want->{script}{$engine} // '(no "The script sees" line in the doc)',
            "$engine: $id: the script sees what the doc says"];

        # Each distinct message once; the order is not checked (Firefox
        # delivers some out of order).
        my %seen;
        my @captured = grep { !$seen{$_}++ } map { normalise($_->{text}, @p) } @{ $got{$id} || [] };
        my %doc = map { $_ => 1 } @{ $want->{messages}{$engine} || [] };
        my %cap = map { $_ => 1 } @captured;
        my @missing = grep { !$cap{$_} } @{ $want->{messages}{$engine} || [] };
        my @extra   = grep { !$doc{$_} } @captured;
        my $diff = join "\n",
            "docs/console-messages.md, case $id, $name console:",
            (map { "  in the doc, not captured: $_" } @missing),
            (map { "  captured, not in the doc: $_" } @extra),
            'captured (normalised), in order:',
            (map { "    $_" } @captured);
        push @CHECKS, [ok => (!@missing && !@extra && @captured ? 1 : 0),
            "$engine: $id: the console messages are the doc's", $diff];
    }
}

plan tests => scalar @CHECKS, need_module(qw(cors cache cache_socache headers));

binmode(Test::More->builder->$_(), ':encoding(UTF-8)') for qw(output failure_output todo_output);
CorsBrowser::run_checks(@CHECKS);
diag($_) for @NOTES;
for my $engine (@ENGINES) {
    my $r = $results{$engine};
    note(sprintf '%s: %s, %.1f s', $engine, $r->{version} // 'not started', $r->{seconds} // 0);
}
