"""Settings for the benchmark's own server (gunicorn, load test).

The base settings are read in development mode (so no SECRET_KEY or HTTPS
redirect is needed on loopback), then the things that would distort a
measurement are switched off: DEBUG (query logging, debug pages) and the
API's per-client rate limit (the load test is one client sending thousands
of requests on purpose). Only for `manage.py bench`, never for serving.
"""

import os

os.environ.setdefault("DEBUG", "true")

from miao_site.settings import *  # noqa: E402,F403

DEBUG = False
ROOT_URLCONF = "devtools.bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
SECURE_SSL_REDIRECT = False
API_RATE_ANON = "1000000/minute"
API_RATE_KEY = "1000000/minute"
LOGGING = {  # noqa: F811 - quiet: one line per request would cost more than the request
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"handlers": [], "level": "WARNING"},
}
