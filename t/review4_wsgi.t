# Review 4 (issue 12): a Flask API under mod_wsgi as it is really deployed
# (docs/deployment.md, "Python applications under mod_wsgi"):
# WSGIScriptAlias at /, WSGIPassAuthorization On, mod_cors only on the
# /api sub-path, bearer tokens checked by the application, an admin part
# behind Apache's own Basic authentication, and Flask's own redirects
# (strict_slashes: /api/items answered 308 to /api/items/). Verdicts are
# the browser's, from the headers (t/lib/CorsFetch.pm).
#
# What it protects:
# - a preflight to a URL Flask would redirect is answered by mod_cors (a
#   redirected preflight always fails in the browser); the actual
#   request's 308 carries the CORS headers, so the browser follows it, and
#   the target then passes too;
# - the application's 401 (bearer token missing) is readable by the
#   script; with the token, Flask sees Authorization (WSGIPassAuthorization);
# - Apache's Basic authentication: the preflight passes it (browsers never
#   send credentials with one), the 401 carries the headers, and with
#   credentials the application answers;
# - outside /api, mod_cors stays out: Flask answers OPTIONS itself and
#   nothing gets Access-Control-*.
# Private server (t/lib/CorsWsgi.pm). Mutations caught: preflights not let
# through authentication (cors_engine_preflight_access declining);
# responses of mod_wsgi's handler left without headers (the filter not
# inserted for non-error responses).
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use CorsTest;
use CorsFetch;
use CorsWsgi;
use File::Spec::Functions qw(catfile);
use JSON::PP ();
use MIME::Base64 qw(encode_base64);

plan tests => 22, need_module('cors');

my $APP = 'https://app.example.com';
my $t_conf = catfile(Apache::Test::vars('serverroot'), 'conf');

my $PY = <<'PY';
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.after_request
def mark(resp):
    resp.headers["X-App"] = "flask"
    return resp


@app.route("/api/items/", methods=["GET", "PUT"])
def items():
    return jsonify(method=request.method, path=request.path,
                   body=request.get_data(as_text=True),
                   authorization=request.headers.get("Authorization"))


@app.route("/api/me")
def me():
    if request.headers.get("Authorization") != "Bearer t0k3n":
        return jsonify(error="token"), 401, {"WWW-Authenticate": "Bearer"}
    return jsonify(user="u1")


@app.route("/api/admin/stats")
def stats():
    return jsonify(user=request.environ.get("REMOTE_USER"))


@app.route("/other", methods=["GET", "PUT"])
def other():
    return "other"
PY

my $h = CorsWsgi::server(
    name => 'review4_wsgi', files => { 'app.py' => $PY },
    wsgi => "from app import app as application\n",
    modules => [qw(authn_core authn_file auth_basic authz_user)],
    config => <<"CONF");
<Location "/api">
    Cors On
    CorsOrigins $APP
    CorsAllowHeaders * Authorization
    CorsSupportsCredentials On
    CorsMaxAge 600
</Location>
<Location "/api/admin/">
    AuthType Basic
    AuthName admin
    AuthUserFile "$t_conf/resp.htpasswd"
    Require valid-user
</Location>
CONF
my $base = $h->base_url;
my @JSON = ('Content-Type' => 'application/json');
my @BEARER = (Authorization => 'Bearer t0k3n');

# --- Flask's strict_slashes redirect.
my $v = browse($base, { method => 'PUT', path => '/api/items', origin => $APP,
                        credentials => 1, headers => [@JSON, @BEARER], body => '{"a":1}' });
is $v->{preflight}->code, 204, 'preflight to a URL Flask redirects: answered 204 by mod_cors';
ok !defined $v->{preflight}->header('X-App'), 'preflight to a URL Flask redirects: Flask never saw it';
is $v->{response}->code, 308, "the PUT: Flask's 308";
is $v->{verdict}, 'preflight ok (max-age 600); status 308; exposed: (none)',
    'the 308 passes the CORS check (the browser follows it)';
like $v->{response}->header('Location') // '', qr{/api/items/$}, 'the 308 points to /api/items/';
$v = browse($base, { method => 'PUT', path => '/api/items/', origin => $APP,
                     credentials => 1, headers => [@JSON, @BEARER], body => '{"a":1}' });
is $v->{verdict}, 'preflight ok (max-age 600); status 200; exposed: (none)',
    'the redirected PUT: preflight and actual request pass';
my $j = eval { JSON::PP::decode_json($v->{response}->content) } || {};
is_deeply [@$j{qw(method body authorization)}], ['PUT', '{"a":1}', 'Bearer t0k3n'],
    'the redirected PUT reached Flask with its body and bearer token';

# --- The application's own 401.
$v = browse($base, { method => 'GET', path => '/api/me', origin => $APP, credentials => 1 });
is $v->{verdict}, 'status 401; exposed: (none)', "Flask's 401: the script reads it";
is $v->{response}->header('X-App'), 'flask', "Flask's 401: Flask answered";
$v = browse($base, { method => 'GET', path => '/api/me', origin => $APP,
                     credentials => 1, headers => [@BEARER] });
is $v->{verdict}, 'preflight ok (max-age 600); status 200; exposed: (none)',
    'bearer token: preflight (Authorization listed) and 200';
like $v->{response}->content, qr/"user":\s*"u1"/, 'bearer token: Flask saw it (WSGIPassAuthorization)';

# --- Apache's Basic authentication in front of part of the API.
my $res = preflight("$base/api/admin/stats", $APP, 'GET', 'authorization');
is $res->code, 204, 'Basic auth: the preflight passes authentication (204)';
is_deeply [header_values($res, $ACAH)], ['authorization'], 'Basic auth: Authorization allowed';
$v = browse($base, { method => 'GET', path => '/api/admin/stats', origin => $APP, credentials => 1 });
is $v->{response}->code, 401, "Basic auth, no credentials: Apache's 401";
ok !defined $v->{response}->header('X-App'), "Basic auth, no credentials: Flask never ran";
is $v->{verdict}, 'status 401; exposed: (none)', "Basic auth: the script reads Apache's 401";
$v = browse($base, { method => 'GET', path => '/api/admin/stats', origin => $APP, credentials => 1,
                     headers => [Authorization => 'Basic ' . encode_base64('resp:secret', '')] });
is $v->{verdict}, 'preflight ok (max-age 600); status 200; exposed: (none)',
    'Basic auth with credentials: preflight and 200';
like $v->{response}->content, qr/"user":\s*"resp"/, 'Basic auth with credentials: Flask saw REMOTE_USER';

# --- Outside /api: mod_cors stays out (WSGIScriptAlias at / serves it all).
$res = preflight("$base/other", $APP, 'PUT');
is $res->header('X-App'), 'flask', 'outside /api: Flask answers the OPTIONS itself';
is_deeply [cors_lines($res)], [], 'outside /api: no Access-Control-* on the OPTIONS';
$res = cors_request(GET => "$base/other", $APP);
is_deeply [cors_lines($res)], [], 'outside /api: no Access-Control-* on the GET';
is vary_origin($res), 0, 'outside /api: no Vary: Origin';

$h->stop;
