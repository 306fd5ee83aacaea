"""(8) of `make bench`: the policy of (2) in Flask with Flask-CORS.

gunicorn serves it: gunicorn --chdir bench flask_app:app, with
BENCH_DOCROOT naming the folder that holds the same static file httpd
serves.
"""
import os

from flask import Flask
from flask_cors import CORS

app = Flask(__name__, static_folder=os.environ["BENCH_DOCROOT"],
            static_url_path="")
CORS(app, origins=["https://app.example.com"])
