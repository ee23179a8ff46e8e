"""WSGI entry point (gunicorn miao_site.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "miao_site.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules) lives as long as
# the worker: move it out of the cyclic garbage collector's reach, so that a
# full collection, which otherwise walks all of it in the middle of some
# request, walks only what requests leave behind (~87 ms -> ~36 ms measured).
gc.freeze()
