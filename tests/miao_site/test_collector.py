"""miao_site.collector: a server process collects the cycles that requests
leave behind when the next request starts, not in the middle of one."""

import gc
import weakref

import pytest

from miao_site import collector


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self):
        self.me = self


@pytest.fixture
def automatic_collection_off():
    gc.disable()
    yield
    gc.enable()
    collector.stop_collecting_between_requests()


def left_behind() -> weakref.ref:
    return weakref.ref(Node())


@pytest.mark.django_db
def test_a_request_starts_by_collecting_the_cycles_left_behind(client, automatic_collection_off):
    collector.collect_between_requests()
    cycle = left_behind()
    assert cycle() is not None
    client.get("/about/")
    assert cycle() is None


@pytest.mark.django_db
def test_without_it_requests_leave_the_cycles_to_the_collector(client, automatic_collection_off):
    collector.collect_between_requests()
    collector.stop_collecting_between_requests()
    cycle = left_behind()
    client.get("/about/")
    assert cycle() is not None
