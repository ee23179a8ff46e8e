"""Python's cyclic garbage collector in a long-lived server process: a
gunicorn worker (miao_site/wsgi.py), or the benchmark standing in for one.

* What start-up loaded (Django, the apps, their modules) lives as long as the
  process. `freeze_startup()` moves it out of the collector's reach, so a
  full collection walks only what requests leave behind.
* Every request leaves reference cycles behind: DRF's view and request refer
  to each other, as do a FilterSet and its filters and a form and its bound
  fields. Only the collector frees
  a cycle. Left to its thresholds, it finds them in generation 1, which it
  reaches every few requests, in the middle of one: a pause inside that
  request. `collect_between_requests()` collects the young
  generations when each request starts instead, when the cycles of the
  requests before it are all dead: a fraction of a millisecond every
  request, and less collecting in all, since live objects are no longer
  walked again and again while they wait to die (docs/performance.md).
  Under gunicorn, miao_site.gunicorn_worker collects after each response
  has been sent instead, so that no request pays for the one before it.
"""

import gc

from django.core.signals import request_started

RECEIVER_UID = "miao_site.collector"


def freeze_startup() -> None:
    gc.collect()
    gc.freeze()


def collect_young(**kwargs) -> None:
    gc.collect(1)


def collect_between_requests() -> None:
    request_started.connect(collect_young, dispatch_uid=RECEIVER_UID)


def stop_collecting_between_requests() -> None:
    request_started.disconnect(dispatch_uid=RECEIVER_UID)
