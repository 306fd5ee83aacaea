# Area "wsgi": the worked example of docs/flask-cors-example.md, run as
# written. The code blocks marked "<!-- t/wsgi_example.t: NAME -->" are
# read out of the document: the Flask application (app.py, app.wsgi), its
# mod_wsgi lines (apache-wsgi), its Flask-CORS configuration (flask-cors)
# and the Apache section that replaces it (apache-cors). Two private
# servers (t/lib/CorsWsgi.pm, mod_wsgi loaded explicitly):
#   Flask-CORS: app.py + flask-cors, no Cors directive;
#   mod_cors:   app.py alone, behind apache-cors.
# Only /srv/api in apache-wsgi is replaced (by the server's directory).
# For the front-end's calls (t/lib/CorsFetch.pm works out the browser's
# verdict from the headers) both must agree, except where the document or
# the manual's "Differences from Flask-CORS" says why not: those rows
# assert each side's documented verdict. So the document and the test
# cannot disagree: an edit to a block changes what runs, and an edit that
# breaks the equivalence fails here.
#
# Mutations caught: see t/README.md, "Flask under mod_wsgi".
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsWsgi;
use File::Spec::Functions qw(catfile);

my $DOC = catfile(Apache::Test::vars('top_dir'), 'docs', 'flask-cors-example.md');

# The marked blocks: NAME -> code. Each name once, each block fenced.
my %BLOCK;
{
    open my $fh, '<', $DOC or die "$DOC: $!\n";
    my $text = do { local $/; <$fh> };
    while ($text =~ /^<!-- t\/wsgi_example\.t: (\S+) -->\n```(\w+)\n(.*?)^```$/msg) {
        die "$DOC: block $1 twice\n" if exists $BLOCK{$1};
        $BLOCK{$1} = $3;
    }
    my @missing = grep { !defined $BLOCK{$_} }
                  qw(app.py app.wsgi apache-wsgi flask-cors apache-cors);
    die "$DOC: no marked block for @missing\n" if @missing;
}

my $APP    = 'https://app.example.com';
my $ADMIN  = 'https://admin.example.com';
my $PR     = 'https://pr-12.preview.example.com';
my $EVIL   = 'https://evil.example';
my @FRONT  = (credentials => 1);                      # credentials: "include"
my @AUTH   = (Authorization => 'Bearer demo-token');
my @JSON   = ('Content-Type' => 'application/json');

my $PF = 'preflight ok (max-age 600)';
my $BLOCK  = 'blocked: CORS check';
my $BLOCKP = 'blocked by the preflight';

sub call { my ($m, $p, $o, %x) = @_; return { method => $m, path => $p, origin => $o, @FRONT, %x } }

my @ROWS = (
    # The front-end's calls: token and JSON body, cookies.
    { name => 'list orders with the token',
      call => call(GET => '/api/orders', $APP, headers => [@AUTH]),
      want => "$PF; status 200; exposed: X-Total-Count X-Request-Id" },
    { name => 'create an order (POST JSON with the token)',
      call => call(POST => '/api/orders', $APP, headers => [@AUTH, @JSON],
                   body => '{"item":"tea","qty":1}'),
      want => "$PF; status 201; exposed: X-Request-Id" },
    { name => 'update an order (PUT)',
      call => call(PUT => '/api/orders/7', $APP, headers => [@AUTH, @JSON], body => '{"qty":3}'),
      want => "$PF; status 200; exposed: X-Request-Id" },
    { name => 'delete an order',
      call => call(DELETE => '/api/orders/7', $ADMIN, headers => [@AUTH]),
      want => "$PF; status 204; exposed: X-Request-Id" },
    { name => 'unknown order: the 404 is readable',
      call => call(GET => '/api/orders/99', $APP, headers => [@AUTH]),
      want => "$PF; status 404; exposed: X-Request-Id" },
    { name => 'no token: the 401 is readable',
      call => call(GET => '/api/orders', $APP),
      want => 'status 401; exposed: X-Request-Id' },
    { name => 'without cookies (credentials "same-origin")',
      call => call(GET => '/api/orders', $APP, credentials => 0, headers => [@AUTH]),
      want => "$PF; status 200; exposed: X-Total-Count X-Request-Id" },
    { name => 'a custom header besides the token (allow_headers "*")',
      call => call(GET => '/api/orders', $APP, headers => [@AUTH, 'X-Requested-With' => 'fetch']),
      want => "$PF; status 200; exposed: X-Total-Count X-Request-Id" },
    # Origins.
    { name => 'the other listed origin', call => call(GET => '/api/orders', $ADMIN, headers => [@AUTH]),
      want => "$PF; status 200; exposed: X-Total-Count X-Request-Id" },
    { name => 'a preview origin (the regex)', call => call(GET => '/api/orders', $PR, headers => [@AUTH]),
      want => "$PF; status 200; exposed: X-Total-Count X-Request-Id" },
    { name => 'the regex matching only the start: another domain',
      call => call(GET => '/api/orders', "$PR.evil.test", headers => [@AUTH]),
      want => { mod_cors => $BLOCKP, flask_cors => "$PF; status 200; exposed: X-Total-Count X-Request-Id" },
      differs => 'Regexes are a separate directive and fully anchored' },
    { name => 'the regex matching only the start: .community',
      call => call(GET => '/api/orders', "${PR}munity", headers => [@AUTH]),
      want => { mod_cors => $BLOCKP, flask_cors => "$PF; status 200; exposed: X-Total-Count X-Request-Id" },
      differs => 'Regexes are a separate directive and fully anchored' },
    { name => 'a refused origin', call => call(GET => '/api/orders', $EVIL, headers => [@AUTH]),
      want => $BLOCKP },
    { name => 'a refused origin, simple GET', call => call(GET => '/api', $EVIL), want => $BLOCK },
    # Methods.
    { name => 'PATCH (not in the methods)',
      call => call(PATCH => '/api/orders/7', $APP, headers => [@AUTH, @JSON], body => '{}'),
      want => $BLOCKP },
    # Paths: <Location "/api"> against r"/api/*".
    { name => 'GET /api', call => call(GET => '/api', $APP), want => 'status 200; exposed: X-Request-Id' },
    { name => 'GET /api-docs (matched by r"/api/*" only)', call => call(GET => '/api-docs', $APP),
      want => { mod_cors => $BLOCK, flask_cors => 'status 200; exposed: X-Request-Id' },
      differs => 'r"/api/*" also matches /api-docs, which <Location "/api"> does not' },
    { name => 'GET /health (outside)', call => call(GET => '/health', $APP), want => $BLOCK },
    # A preflight for a URL without a route.
    { name => 'PUT to a URL without a route',
      call => call(PUT => '/api/nothing', $APP, headers => [@AUTH, @JSON], body => '{}'),
      want => { mod_cors => "$PF; status 404; exposed: X-Request-Id", flask_cors => $BLOCKP },
      differs => 'Preflights are answered before the application routes them' },
);

plan tests => CorsWsgi::compare_tests(\@ROWS) + 8, need_module('cors');

# The document's own claims about its blocks.
my @regexes = $BLOCK{'flask-cors'} =~ /\br"(https?:[^"]*)"/g;
ok scalar(@regexes), 'flask-cors block: has origin regexes';
my ($match_line) = $BLOCK{'apache-cors'} =~ /^\s*CorsOriginsMatch\s+(.*)$/m;
is_deeply [($match_line // '') =~ /"([^"]*)"/g], \@regexes,
    'apache-cors block: CorsOriginsMatch holds the Flask-CORS regexes, pasted unchanged';
my @plain = grep { !/[*\\\]?\$^\[()]/ } $BLOCK{'flask-cors'} =~ /(?<!r)"(https?:[^"]*)"/g;
my ($origins_line) = $BLOCK{'apache-cors'} =~ /^\s*CorsOrigins\s+(.*)$/m;
is_deeply [split ' ', $origins_line // ''], \@plain,
    'apache-cors block: CorsOrigins holds the plain origins';
like $BLOCK{'apache-cors'}, qr/^\s*CorsAllowHeaders\b.*\bAuthorization\b/m,
    'apache-cors block: Authorization listed by name (trap 1)';

# Both deployments, from the blocks.
my %deploy;
for my $side (qw(flask_cors mod_cors)) {
    my $name = "wsgi_example_$side";
    my $dir = catfile(Apache::Test::vars('t_logs'), $name);
    (my $wsgi_conf = $BLOCK{'apache-wsgi'}) =~ s{/srv/api}{$dir}g;
    $deploy{$side} = CorsWsgi::server(
        name   => $name,
        files  => { 'app.py' => $BLOCK{'app.py'}
                    . ($side eq 'flask_cors' ? "\n\n$BLOCK{'flask-cors'}" : '') },
        wsgi   => $BLOCK{'app.wsgi'},
        deploy => $wsgi_conf,
        config => $side eq 'mod_cors' ? $BLOCK{'apache-cors'} : '',
    );
}
unlike $deploy{flask_cors}->config_text, qr/^\s*Cors/m,
    'Flask-CORS server: no Cors directive in its config';
like $deploy{mod_cors}->config_text, qr/\Q$BLOCK{'apache-cors'}\E/,
    'mod_cors server: the apache-cors block, unchanged, in its config';

my $results = CorsWsgi::compare(\@ROWS, mod_cors => $deploy{mod_cors}->base_url,
                                flask_cors => $deploy{flask_cors}->base_url);

# mod_cors answered the preflights itself; Flask-CORS's came from Flask.
my (@mod_pre, @flask_pre);
for my $r (values %$results) {
    push @mod_pre, $r->{mod_cors}{preflight} if $r->{mod_cors}{preflight};
    push @flask_pre, $r->{flask_cors}{preflight} if $r->{flask_cors}{preflight};
}
is_deeply [sort { $a <=> $b } map { $_->code } grep { $_->code != 204 } @mod_pre], [],
    'mod_cors: every preflight answered 204 (by mod_cors, not the application)';
ok !grep({ $_->code == 204 } @flask_pre),
    'Flask-CORS: the preflights were answered by Flask (200 or 404, never 204)';

$_->stop for values %deploy;
