"""A WSGI application for test_gunicorn_worker: each request leaves a
reference cycle behind and answers whether the previous request's is still
alive, and whether a collection is still set up to run when a request
starts (as miao_site/wsgi.py sets it up). Only explicit collections run in
it."""

import gc
import weakref

from django.core.signals import request_started

from miao_site import collector

gc.disable()
collector.collect_between_requests()
_previous: weakref.ref | None = None


class Node:
    def __init__(self):
        self.me = self


def app(environ, start_response):
    global _previous
    alive = _previous is not None and _previous() is not None
    _previous = weakref.ref(Node())
    hooked = request_started.has_listeners()
    body = f"{'alive' if alive else 'collected'}, {'hooked' if hooked else 'unhooked'}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
