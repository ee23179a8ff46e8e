"""WSGI entry point (gunicorn miao_site.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from miao_site import collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "miao_site.settings")
application = get_wsgi_application()

# A worker lives for many requests: see miao_site/collector.py.
collector.freeze_startup()
collector.collect_between_requests()
