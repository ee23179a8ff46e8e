"""The WSGI entry point leaves the objects of its start-up to no collection."""

import gc
import importlib
import sys


def test_wsgi_freezes_what_start_up_loaded():
    gc.unfreeze()
    sys.modules.pop("miao_site.wsgi", None)
    try:
        module = importlib.import_module("miao_site.wsgi")
        assert callable(module.application)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
