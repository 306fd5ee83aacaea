"""The Flask application of t/wsgi_flask.t.

Served by mod_wsgi twice: behind mod_cors as it is, and with Flask-CORS
applied to it (the CORS(...) call of t/wsgi_flask.t) and no mod_cors.
Every answer the application itself produces carries X-App: flask, so a
test sees who answered a preflight; X-Total, X-Request-Id and X-Internal
are there for Access-Control-Expose-Headers to expose or not.
"""
from flask import Flask, jsonify, request

app = Flask(__name__)


def echo(status=200, **extra):
    resp = jsonify(method=request.method, path=request.path,
                   body=request.get_data(as_text=True),
                   authorization=request.headers.get("Authorization"),
                   cookie=request.headers.get("Cookie"), **extra)
    resp.status_code = status
    resp.headers["X-Total"] = "2"
    resp.headers["X-Request-Id"] = "req-1"
    resp.headers["X-Internal"] = "not-exposed"
    return resp


@app.after_request
def mark(resp):
    resp.headers["X-App"] = "flask"
    return resp


@app.route("/api", methods=["GET"])
@app.route("/api/items", methods=["GET", "POST"])
@app.route("/apixyz", methods=["GET"])
@app.route("/outside", methods=["GET", "POST"])
@app.route("/public/info", methods=["GET", "POST", "PUT", "DELETE"])
def items():
    return echo()


@app.route("/api/items/<int:item_id>",
           methods=["GET", "PUT", "PATCH", "DELETE", "OST"])
def item(item_id):
    return echo(item=item_id)


@app.route("/api/error")
def error():
    raise RuntimeError("t/wsgi_flask.t: a view that fails")


@app.route("/api/legacy")
def legacy():
    # A view that still sets a CORS header of its own, as code written
    # before the migration does.
    resp = echo()
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp
