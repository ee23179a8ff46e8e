"""gunicorn's sync worker, collecting the cycles a request left behind once
its response is sent (miao_site/collector.py), not when the next request
starts.

Collected when the next request starts, a request's cycles were paid for by
the next request: after a search page, about half a millisecond more for an
API detail of two (issue 19, docs/performance.md). Here the collection comes
after handle_request() has returned, when the response has been written and
the request, its view and their cycles are dead, while the worker is
otherwise idle.

Serve with `gunicorn --worker-class miao_site.gunicorn_worker.SyncWorker`
(README); under another server, miao_site/wsgi.py collects when each request
starts.
"""

from gunicorn.workers import sync

from miao_site import collector


class SyncWorker(sync.SyncWorker):
    def load_wsgi(self):
        super().load_wsgi()
        # This worker collects after each request instead (miao_site/wsgi.py
        # set up the collection when each request starts).
        collector.stop_collecting_between_requests()

    def handle_request(self, *args, **kwargs):
        try:
            return super().handle_request(*args, **kwargs)
        finally:
            collector.collect_young()
