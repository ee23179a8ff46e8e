"""send_alerts never drops nor repeats a change for any subscription: not
when a run crashes midway (an injected failure, and a real process killed in
the middle of a batch), not when two runs go at once."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from alerts import digests, tokens
from alerts.models import Subscription
from miao_site.connection_url import connection_url
from outbox.models import OutboxMessage
from tests.admin.conftest import make_draft
from tests.alerts.helpers import run, subscribe
from tests.factories import agency, post
from waivers.models import NaicsCode, PscCode

ROOT = Path(__file__).resolve().parents[2]

# Followed searches, and which of the new waivers (by title) each must get.
SEARCHES = {
    "": {"Laser A", "Laser B", "Valve C", "Valve D"},
    "psc=6640": {"Laser A", "Laser B"},
    "psc=48": {"Valve C", "Valve D"},
    "agency=97AS": {"Valve C"},
    "q=laser": {"Laser A", "Laser B"},
    "naics=9999": set(),
}


def make_followers(per_search: int) -> dict[int, set[str]]:
    """Subscriptions to every search, `per_search` addresses each: {pk: expected titles}."""
    expected = {}
    for n in range(per_search):
        for query, titles in SEARCHES.items():
            subscription = subscribe(f"follower{n}@example.org", query=query)
            expected[subscription.pk] = titles
    return expected


def post_new_waivers() -> None:
    valve = {
        "naics": NaicsCode.objects.get(code="331110"),
        "psc": PscCode.objects.get(code="4820"),
        "summary": "Bronze gate valves for a destroyer.",
        "rationale": "No domestic foundry casts them.",
    }
    post(make_draft(procurement_title="Laser A"))
    post(make_draft(procurement_title="Laser B"))
    post(
        make_draft(
            procurement_title="Valve C",
            contracting_agency=agency("97AS"),
            funding_agency=agency("97AS"),
            **valve,
        )
    )
    post(make_draft(procurement_title="Valve D", **valve))
    make_draft(procurement_title="Laser draft")  # never posted


TITLES = ("Laser A", "Laser B", "Valve C", "Valve D", "Laser draft")


def received() -> dict[int, Counter]:
    """What each subscription was told, from the queued messages: how many
    messages, and how often each title."""
    counts: dict[int, Counter] = defaultdict(Counter)
    for message in OutboxMessage.objects.filter(kind="alerts.digest"):
        link = message.headers["List-Unsubscribe"].strip("<>").rstrip("/")
        pk = tokens.read("unsubscribe", link.rsplit("/", 1)[1])
        counts[pk]["messages"] += 1
        counts[pk].update(title for title in TITLES if title in message.text_body)
    return counts


def assert_each_told_exactly_once(expected: dict[int, set[str]]) -> None:
    counts = received()
    for pk, titles in expected.items():
        told = counts.get(pk, Counter())
        if titles:
            assert told == Counter({"messages": 1, **dict.fromkeys(titles, 1)}), (pk, told)
        else:
            assert not told, (pk, told)
    # Every subscription is now up to date, at the same (last) change.
    (watermark,) = set(Subscription.objects.values_list("watermark", flat=True))
    assert watermark > 0


@pytest.mark.django_db
def test_an_injected_crash_midway_loses_and_repeats_nothing(monkeypatch):
    expected = make_followers(per_search=2)  # 12 subscriptions
    post_new_waivers()
    real = digests.enqueue_many
    calls = []

    def crash_in_the_second_batch(messages, **kwargs):
        calls.append(1)
        real(messages, **kwargs)  # written ... and then the process dies before committing
        if len(calls) == 2:
            raise RuntimeError("crash")

    monkeypatch.setattr(digests, "enqueue_many", crash_in_the_second_batch)
    with pytest.raises(RuntimeError):
        run(batch_size=4)
    done = Subscription.objects.filter(watermark__gt=0).count()
    assert done == 4  # the first batch committed, the second rolled back whole
    assert OutboxMessage.objects.filter(kind="alerts.digest").count() <= 4

    monkeypatch.setattr(digests, "enqueue_many", real)
    report = run(batch_size=4)
    assert report.subscriptions == 8
    assert_each_told_exactly_once(expected)
    assert run().messages == 0


def other_backends(cursor) -> list[tuple[int, str]]:
    cursor.execute(
        "SELECT pid, coalesce(wait_event_type, '') FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend'"
    )
    return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_a_run_killed_in_the_middle_of_a_batch_loses_and_repeats_nothing():
    expected = make_followers(per_search=10)  # 60 subscriptions
    post_new_waivers()
    env = {
        **os.environ,
        "DATABASE_URL": connection_url(),
        "DEBUG": "true",
        "SECRET_KEY": settings.SECRET_KEY,
    }
    process = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "send_alerts", "--batch-size", "2", "-v", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert "batch 1 committed" in process.stdout.readline()
        with transaction.atomic(), connection.cursor() as cursor:
            # Hold new messages back: the run stops inside its next batch,
            # holding its subscriptions, its messages not yet written.
            cursor.execute("LOCK TABLE outbox_outboxmessage IN SHARE MODE")
            deadline = time.monotonic() + 20
            while not any(wait == "Lock" for _, wait in other_backends(cursor)):
                assert time.monotonic() < deadline, "the run never blocked"
                assert process.poll() is None, "the run ended before it could be stopped"
                time.sleep(0.05)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            # The server rolls back the dead run's transaction.
            for pid, _ in other_backends(cursor):
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()

    done = Subscription.objects.filter(watermark__gt=0).count()
    assert 2 <= done < len(expected)  # killed midway
    assert Subscription.objects.filter(last_sent_at__isnull=False).count() <= done

    report = run()
    assert report.subscriptions == len(expected) - done
    assert_each_told_exactly_once(expected)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_tell_each_subscription_once():
    expected = make_followers(per_search=5)  # 30 subscriptions
    post_new_waivers()
    reports = []

    def one_run():
        try:
            reports.append(run(batch_size=3))
        finally:
            connection.close()

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(report.subscriptions for report in reports) == len(expected)
    assert_each_told_exactly_once(expected)
