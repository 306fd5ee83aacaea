# Area "wsgi": a Flask application under mod_wsgi, (a) without Flask-CORS,
# behind mod_cors, and (b) with Flask-CORS (Debian 12's python3-flask-cors
# 3.0.10) configured the same way and no mod_cors. For a table of calls a
# page could make, both stacks must give the verdict a browser would
# (worked out from the response headers by the Fetch rules,
# t/lib/CorsFetch.pm), and the same one, except in the rows where the
# manual's "Differences from Flask-CORS" says why they differ: those rows
# assert each stack's verdict and that the difference is documented.
#
# Each stack is a private httpd (t/lib/CorsWsgi.pm: mod_wsgi loaded
# explicitly, daemon mode); the application is t/wsgi/cors_app.py. The
# Apache section below is the translation the migration table gives,
# with <LocationMatch "^/api"> for r"/api/*" (a regex Flask-CORS applies
# with re.match: a prefix, so /api and /apixyz are in its scope too).
#
# Mutations caught: see t/README.md, "Flask under mod_wsgi".
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsWsgi;
use File::Spec::Functions qw(catdir);
use JSON::PP ();

my $APP_DIR = catdir(Apache::Test::vars('t_dir'), 'wsgi');

# (b): the Flask-CORS configuration, applied in the .wsgi script.
my $FLASK_CORS = <<'PY';
from flask_cors import CORS
CORS(app, resources={
    r"/api/*": {
        "origins": ["https://app.example.com",
                    r"https://pr-[0-9]+\.preview\.example\.net"],
        "methods": ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        "expose_headers": ["X-Total", "X-Request-Id"],
        "supports_credentials": True,
        "max_age": 600,
    },
    r"/public/*": {
        "methods": ["PUT", "DELETE"],
        "allow_headers": ["Content-Type", "X-Custom"],
        "expose_headers": "*",
        "max_age": 0,
    },
})
PY

# (a): the same policy for mod_cors.
my $APACHE = <<'CONF';
<LocationMatch "^/api">
    Cors On
    CorsOrigins https://app.example.com
    CorsOriginsMatch "https://pr-[0-9]+\.preview\.example\.net"
    CorsMethods GET POST PUT DELETE OPTIONS
    CorsExposeHeaders X-Total X-Request-Id
    CorsSupportsCredentials On
    CorsMaxAge 600
</LocationMatch>
<LocationMatch "^/public">
    Cors On
    CorsMethods PUT DELETE
    CorsAllowHeaders Content-Type X-Custom
    CorsExposeHeaders *
    CorsMaxAge 0
</LocationMatch>
CONF

my $APP   = 'https://app.example.com';
my $PR    = 'https://pr-42.preview.example.net';
my $EVIL  = 'https://evil.example';
my @JSON  = ('Content-Type' => 'application/json');
my @CRED  = (credentials => 1);

# Verdicts (CorsFetch::browse).
my $API_OK = 'status 200; exposed: X-Total X-Request-Id';
my $API_PF = "preflight ok (max-age 600); $API_OK";
my $BLOCK  = 'blocked: CORS check';
my $BLOCKP = 'blocked by the preflight';
my $PUB_OK = 'status 200; exposed: X-Total X-Request-Id X-Internal';

sub call { my ($m, $p, $o, %x) = @_; return { method => $m, path => $p, origin => $o, %x } }

my @ROWS = (
    # Origins.
    { name => 'GET, listed origin', call => call(GET => '/api/items', $APP), want => $API_OK },
    { name => 'GET, listed origin, credentials', call => call(GET => '/api/items', $APP, @CRED),
      want => $API_OK },
    { name => 'GET, refused origin', call => call(GET => '/api/items', $EVIL, @CRED), want => $BLOCK },
    { name => 'GET, origin matching the regex', call => call(GET => '/api/items', $PR, @CRED),
      want => $API_OK },
    { name => 'GET, the regex matches only a prefix of the origin',
      call => call(GET => '/api/items', "$PR.evil.test", @CRED),
      want => { mod_cors => $BLOCK, flask_cors => $API_OK },
      differs => 'Regexes are a separate directive and fully anchored' },
    { name => 'GET, listed host over http', call => call(GET => '/api/items', 'http://app.example.com'),
      want => $BLOCK },
    { name => 'GET, origin null', call => call(GET => '/api/items', 'null'), want => $BLOCK },
    # Methods: simple and preflighted.
    { name => 'POST JSON, credentials',
      call => call(POST => '/api/items', $APP, @CRED, headers => [@JSON], body => '{"a":1}'),
      want => $API_PF },
    { name => 'PUT JSON, credentials',
      call => call(PUT => '/api/items/1', $APP, @CRED, headers => [@JSON], body => '{"a":2}'),
      want => $API_PF },
    { name => 'DELETE, credentials', call => call(DELETE => '/api/items/1', $PR, @CRED),
      want => $API_PF },
    { name => 'PATCH, not in the methods', call => call(PATCH => '/api/items/1', $APP, headers => [@JSON]),
      want => $BLOCKP },
    # Flask-CORS grants "OST" as a substring of the list (README: "Methods
    # match exactly"), but the browser finds no OST in the list it gets:
    # the verdict is the same.
    { name => 'method OST (a substring of POST)', call => call(OST => '/api/items/1', $APP),
      want => $BLOCKP },
    # Request headers.
    { name => 'custom header, credentials',
      call => call(GET => '/api/items', $APP, @CRED, headers => ['X-Custom-Header' => '1']),
      want => $API_PF },
    { name => 'Authorization under allow_headers "*", credentials',
      call => call(GET => '/api/items', $APP, @CRED, headers => [Authorization => 'Bearer t0k3n']),
      want => { mod_cors => $BLOCKP, flask_cors => $API_PF },
      differs => '* in CorsAllowHeaders never admits Authorization' },
    { name => 'Authorization under allow_headers "*", no credentials',
      call => call(POST => '/api/items', $APP, headers => [Authorization => 'Bearer t0k3n', @JSON],
                   body => '{}'),
      want => { mod_cors => $BLOCKP, flask_cors => $API_PF },
      differs => '* in CorsAllowHeaders never admits Authorization' },
    # OPTIONS as the script's own method: the preflight, then the
    # application's answer to OPTIONS (Flask's automatic one).
    { name => 'OPTIONS to the application', call => call(OPTIONS => '/api/items', $APP, @CRED),
      want => 'preflight ok (max-age 600); status 200; exposed: (none)' },
    # Errors.
    { name => '404 in scope', call => call(GET => '/api/nothing', $APP, @CRED),
      want => 'status 404; exposed: (none)' },
    { name => '500 in scope', call => call(GET => '/api/error', $APP, @CRED),
      want => 'status 500; exposed: (none)' },
    # A preflight for a URL the application has no route for: Flask
    # answers it 404, which fails the preflight; mod_cors answers every
    # preflight in the section, and the script gets the 404 of the PUT.
    { name => 'PUT to a URL without a route',
      call => call(PUT => '/api/nothing', $APP, @CRED, headers => [@JSON], body => '{}'),
      want => { mod_cors => 'preflight ok (max-age 600); status 404; exposed: (none)',
                flask_cors => $BLOCKP },
      differs => 'Preflights are answered before the application routes them' },
    # Path patterns: r"/api/*" is a prefix regex.
    { name => 'path /api (no slash)', call => call(GET => '/api', $APP), want => $API_OK },
    { name => 'path /apixyz (matched by the prefix)', call => call(GET => '/apixyz', $APP),
      want => $API_OK },
    { name => 'path outside the scope', call => call(GET => '/outside', $APP), want => $BLOCK },
    # A view that sets its own Access-Control-Allow-Origin: *.
    # Flask-CORS leaves such a response alone; mod_cors replaces it.
    { name => 'view with its own ACAO *, no credentials', call => call(GET => '/api/legacy', $APP),
      want => { mod_cors => $API_OK, flask_cors => 'status 200; exposed: (none)' },
      differs => 'the view sets its own CORS headers | replaced by mod_cors' },
    { name => 'view with its own ACAO *, refused origin', call => call(GET => '/api/legacy', $EVIL),
      want => { mod_cors => $BLOCK, flask_cors => 'status 200; exposed: (none)' },
      differs => 'the view sets its own CORS headers | replaced by mod_cors' },
    { name => 'view with its own ACAO *, credentials', call => call(GET => '/api/legacy', $APP, @CRED),
      want => { mod_cors => $API_OK, flask_cors => $BLOCK },
      differs => 'the view sets its own CORS headers | replaced by mod_cors' },
    # The public resource: any origin, no credentials, a short method list.
    { name => 'public GET, any origin', call => call(GET => '/public/info', $EVIL), want => $PUB_OK },
    { name => 'public GET with credentials', call => call(GET => '/public/info', $EVIL, @CRED),
      want => $BLOCK },
    { name => 'public PUT JSON: max_age 0',
      call => call(PUT => '/public/info', $EVIL, headers => [@JSON], body => '{}'),
      want => { mod_cors => "preflight ok (max-age 0); $PUB_OK",
                flask_cors => "preflight ok (max-age 5); $PUB_OK" },
      differs => 'CorsMaxAge 0 is sent' },
    { name => 'public POST JSON, POST not in the methods',
      call => call(POST => '/public/info', $EVIL, headers => [@JSON], body => '{}'),
      want => { mod_cors => "preflight ok (max-age 0); $PUB_OK", flask_cors => $BLOCKP },
      differs => 'GET, HEAD and POST are always allowed in a preflight' },
    { name => 'public PUT with a header not allowed',
      call => call(PUT => '/public/info', $EVIL, headers => [@JSON, 'X-Other' => '1']),
      want => $BLOCKP },
    { name => 'public PUT with Authorization (not listed)',
      call => call(PUT => '/public/info', $EVIL, headers => [Authorization => 'Bearer x']),
      want => $BLOCKP },
);

plan tests => CorsWsgi::compare_tests(\@ROWS) + 6 + 12, need_module('cors');

# --- The judge itself (t/lib/CorsFetch.pm), on made-up answers: a judge
# that let everything through would make every row above meaningless.
{
    require HTTP::Response;
    my $r = sub { my $res = HTTP::Response->new(shift);
                  $res->push_header(splice @_, 0, 2) while @_; $res };
    my $o = 'https://a.example';
    ok +(CorsFetch::cors_check($r->(200, 'Access-Control-Allow-Origin' => '*'), $o, 0))[0],
        'judge: * passes without credentials';
    ok !(CorsFetch::cors_check($r->(200, 'Access-Control-Allow-Origin' => '*',
        'Access-Control-Allow-Credentials' => 'true'), $o, 1))[0],
        'judge: * fails with credentials';
    ok !(CorsFetch::cors_check($r->(200, 'Access-Control-Allow-Origin' => $o,
        'Access-Control-Allow-Origin' => $o), $o, 0))[0],
        'judge: two ACAO lines fail';
    ok !(CorsFetch::cors_check($r->(200, 'Access-Control-Allow-Origin' => $o), $o, 1))[0],
        'judge: credentials without ACAC true fail';
    ok !(CorsFetch::cors_check($r->(200, 'Access-Control-Allow-Origin' => "$o/"), $o, 0))[0],
        'judge: an origin with a trailing slash fails';
    my $pre = sub { my ($cred, $method, $unsafe, @h) = @_;
        (CorsFetch::preflight_check($r->(204, 'Access-Control-Allow-Origin' => $o,
            'Access-Control-Allow-Credentials' => 'true', @h), $o, $cred, $method, $unsafe))[0] };
    ok $pre->(0, 'PUT', [], 'Access-Control-Allow-Methods' => '*'),
        'judge: ACAM * covers PUT without credentials';
    ok !$pre->(1, 'PUT', [], 'Access-Control-Allow-Methods' => '*'),
        'judge: ACAM * does not cover PUT with credentials';
    ok !$pre->(0, 'PATCH', [], 'Access-Control-Allow-Methods' => 'patch'),
        'judge: methods compare byte for byte';
    ok $pre->(0, 'POST', ['x-a'], 'Access-Control-Allow-Headers' => '*'),
        'judge: ACAH * covers a custom header without credentials';
    ok !$pre->(0, 'POST', ['authorization'], 'Access-Control-Allow-Headers' => '*'),
        'judge: ACAH * never covers authorization';
    ok !$pre->(0, 'POST', ['x-a'], 'Access-Control-Allow-Headers' => 'x-b'),
        'judge: a header not listed fails';
    ok !(CorsFetch::preflight_check($r->(404, 'Access-Control-Allow-Origin' => $o), $o, 0, 'PUT', []))[0],
        'judge: a preflight answered 404 fails';
}

my $mod = CorsWsgi::server(
    name => 'wsgi_modcors', python_path => [$APP_DIR], config => $APACHE,
    wsgi => "from cors_app import app as application\n");
my $flask = CorsWsgi::server(
    name => 'wsgi_flaskcors', python_path => [$APP_DIR],
    wsgi => <<"PY");
import flask_cors
from cors_app import app
$FLASK_CORS

\@app.route("/_flask_cors")
def _flask_cors():
    return {"version": flask_cors.__version__, "file": flask_cors.__file__}

application = app
PY

# The comparison is written for Debian 12's Flask-CORS; another version
# behaves otherwise in places (4.x and later changed the path matching).
my $ver = eval { JSON::PP::decode_json(
    CorsTest::cors_request(GET => $flask->url('/_flask_cors'), undef)->content) } || {};
is $ver->{version}, '3.0.10', 'Flask-CORS under mod_wsgi is 3.0.10 (Debian 12)';
like $ver->{file} // '', qr{^/usr/lib/python3/dist-packages/flask_cors/},
    "Flask-CORS is Debian's python3-flask-cors";

my $results = CorsWsgi::compare(\@ROWS, mod_cors => $mod->base_url,
                                flask_cors => $flask->base_url);

# Who answered the preflights: mod_cors itself (204, no X-App: the
# application never saw one), Flask with Flask-CORS (X-App: flask).
my (@mod_app, @flask_not_app, $n_pre);
for my $name (sort keys %$results) {
    my $m = $results->{$name}{mod_cors}{preflight} or next;
    my $f = $results->{$name}{flask_cors}{preflight};
    $n_pre++;
    push @mod_app, $name if defined $m->header('X-App') || $m->code != 204;
    push @flask_not_app, $name if !$f || ($f->header('X-App') // '') ne 'flask';
}
ok $n_pre >= 10, "the table sent preflights ($n_pre)";
is_deeply \@mod_app, [], 'mod_cors: every preflight answered 204 by mod_cors, none reached the application';
is_deeply \@flask_not_app, [], 'Flask-CORS: every preflight answered by the application';

# The application ran in both, for the actual requests.
my $body = eval { JSON::PP::decode_json($results->{'PUT JSON, credentials'}{mod_cors}{response}->content) } || {};
is_deeply [@$body{qw(method path body cookie)}], ['PUT', '/api/items/1', '{"a":2}', 'session=s1'],
    'mod_cors: the PUT reached the application with its body and cookie';

$mod->stop;
$flask->stop;
