"""The WSGI entry point sets up the garbage collector for a long-lived
worker (miao_site/collector.py)."""

import gc
import importlib
import sys

from django.core.signals import request_started

from miao_site import collector


def test_wsgi_freezes_what_start_up_loaded_and_collects_between_requests():
    gc.unfreeze()
    sys.modules.pop("miao_site.wsgi", None)
    try:
        module = importlib.import_module("miao_site.wsgi")
        assert callable(module.application)
        assert gc.get_freeze_count() > 0
        assert request_started.disconnect(dispatch_uid=collector.RECEIVER_UID)  # was connected
    finally:
        gc.unfreeze()
        collector.stop_collecting_between_requests()
