"""Run by test_replica_cluster.py in a process of its own, with the site's
settings pointed at a real primary (DATABASE_URL) and hot standby
(DATABASE_REPLICA_URLS). It drives the site through Django's test client and
prints what it observed, as JSON, for the test to assert on.

STOP_REPLICA names the command that stops the standby (run between phases).
"""

import contextlib
import json
import os
import subprocess
import sys
import time

import django

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "miao_site.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import DEFAULT_DB_ALIAS, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from alerts.models import Subscription  # noqa: E402
from miao_site import replicas  # noqa: E402
from tests.factories import WaiverFactory, post  # noqa: E402
from waivers import caching  # noqa: E402

REPLICA = settings.DATABASE_REPLICAS[0]
observed: dict = {}


def get(client, path, replica_up=True):
    """GET `path`, counting the queries on each server (a stopped server
    cannot be watched: its count is None)."""
    with contextlib.ExitStack() as stack:
        primary = stack.enter_context(CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]))
        replica = (
            stack.enter_context(CaptureQueriesContext(connections[REPLICA])) if replica_up else None
        )
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return {
        "status": response.status_code,
        "primary_queries": len(primary),
        "replica_queries": None if replica is None else len(replica),
        "body": body.decode("utf-8", "replace"),
        "cache_control": response.get("Cache-Control", ""),
        "last_modified": response.get("Last-Modified"),
    }


def summary(result):
    return {key: value for key, value in result.items() if key != "body"}


def wait_for_replay(timeout=15.0):
    wanted = caching.read_version(DEFAULT_DB_ALIAS).number
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if caching.read_version(REPLICA).number >= wanted:
            return True
        time.sleep(0.1)
    return False


def in_recovery(alias):
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return cursor.fetchone()[0]


post(WaiverFactory(procurement_title="Clusterread first waiver"))
observed["replica_is_a_standby"] = in_recovery(REPLICA)
observed["primary_is_a_standby"] = in_recovery(DEFAULT_DB_ALIAS)
observed["first_replayed"] = wait_for_replay()

# Anonymous reads go to the replica.
anonymous = Client()
observed["reads"] = {}
for path in ("/", "/waivers/?q=clusterread", "/stats/", "/api/v1/waivers/", "/waivers/export.csv"):
    result = get(anonymous, path)
    observed["reads"][path] = summary(result) | {"marker": "Clusterread" in result["body"]}

# A write through the site goes to the primary (a standby refuses writes).
response = anonymous.post(
    "/alerts/follow/",
    {"query": "q=clusterread", "email": "replica@example.org", "frequency": "daily"},
)
observed["write_status"] = response.status_code
observed["write_sets_cookie"] = replicas.RECENT_WRITE_COOKIE in response.cookies
observed["subscription_on_primary"] = (
    Subscription.objects.using(DEFAULT_DB_ALIAS)
    .filter(subscriber__email="replica@example.org")
    .exists()
)

# Read-your-writes: the standby stops replaying; a new waiver is committed on
# the primary; the writer's next read (the cookie) comes from the primary.
with connections[REPLICA].cursor() as cursor:
    cursor.execute("SELECT pg_wal_replay_pause()")
post(WaiverFactory(procurement_title="Clusterread written while replay paused"))
time.sleep(0.3)
observed["replica_lacks_new_waiver"] = not (
    connections[REPLICA]
    .cursor()
    .execute(
        "SELECT 1 FROM waivers_waiver WHERE procurement_title LIKE %s",
        ["%while replay paused%"],
    )
    .fetchone()
)
after_write = get(anonymous, "/waivers/?q=clusterread")
observed["read_after_own_write"] = summary(after_write) | {
    "sees_write": "while replay paused" in after_write["body"]
}
# Someone else (no cookie): the standby is behind the primary's data version,
# so the primary answers and the validators do not go back.
stranger = Client()
before = get(stranger, "/api/v1/waivers/")
observed["stranger_while_behind"] = summary(before) | {
    "sees_write": "while replay paused" in before["body"]
}
replicas.forget_health()
healthz = anonymous.get("/healthz")
observed["healthz_while_paused"] = {"status": healthz.status_code, "body": healthz.json()}

with connections[REPLICA].cursor() as cursor:
    cursor.execute("SELECT pg_wal_replay_resume()")
observed["replayed_after_resume"] = wait_for_replay()
caught_up = get(stranger, "/api/v1/waivers/")
observed["stranger_after_resume"] = summary(caught_up) | {
    "sees_write": "while replay paused" in caught_up["body"]
}
# A page not cached yet: its queries run on the standby again.
fresh = get(stranger, "/waivers/?q=replay")
observed["fresh_page_after_resume"] = summary(fresh) | {
    "sees_write": "while replay paused" in fresh["body"]
}

# The standby stops: every page still answers, from the primary. (A marker in
# the primary's statement log separates this phase.)
with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
    cursor.execute("SELECT 'phase: replica stopped'")
subprocess.run(os.environ["STOP_REPLICA"], shell=True, check=True, capture_output=True)  # noqa: S602
replicas.forget_health()
observed["replica_stopped"] = {}
for path in ("/", "/waivers/?q=clusterread", "/stats/", "/api/v1/waivers/", "/waivers/export.csv"):
    result = get(Client(), path, replica_up=False)
    observed["replica_stopped"][path] = summary(result) | {
        "marker": "Clusterread" in result["body"]
    }
healthz = Client().get("/healthz")
observed["healthz_replica_stopped"] = {"status": healthz.status_code, "body": healthz.json()}

print(json.dumps(observed))
