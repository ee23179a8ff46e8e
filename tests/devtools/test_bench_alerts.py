"""A small run of `manage.py bench_alerts`: the changes go through the
services, the subscriptions are written, and a real `send_alerts` process
queues the messages it measures (the 100,000-subscription figure is in
docs/performance.md; it is not part of the test suite)."""

import io

import pytest
from django.core.management import CommandError, call_command

from alerts.models import Subscriber, Subscription
from devtools.bench import alerts
from outbox.models import OutboxMessage
from tests.factories import WaiverFactory
from waivers.models import Waiver, WaiverStatusChange


def test_a_small_run_measures_a_real_send_alerts_over_fresh_changes(committed_db):
    call_command("generate_waivers", "400", "--seed", "2", stdout=io.StringIO())
    history_before = WaiverStatusChange.objects.count()
    out = io.StringIO()
    result = alerts.run(
        alerts.Options(subscriptions=300, changes=20, searches=40, seed=3, log=out.write)
    )

    # The day's changes were made through the services and collected, and only they.
    assert result["changes"]["posted"] == 10
    assert result["changes"]["posted"] + result["changes"]["determined"] == result["collected"]
    assert WaiverStatusChange.objects.count() > history_before
    assert Subscriber.objects.filter(email__endswith="@bench-alerts.invalid").count() == 300
    assert (
        result["search_subscriptions"] + Subscription.objects.filter(kind="waiver").count() == 300
    )
    # send_alerts ran in its own process and told every due subscription.
    assert Subscription.objects.filter(watermark__gt=0).count() == 300
    assert result["messages_queued"] == OutboxMessage.objects.filter(kind="alerts.digest").count()
    assert result["messages_queued"] > 0
    assert result["send_alerts_seconds"] > 0 and result["floor_seconds"] >= 0
    assert 20 < result["send_alerts_peak_mb"] < 1000
    assert "300 subscriptions due" in result["send_alerts_report"]

    # A second run starts afresh: nothing of the first is counted again.
    again = alerts.run(
        alerts.Options(subscriptions=300, changes=20, searches=40, seed=4, log=out.write)
    )
    assert again["collected"] == 20
    assert Subscriber.objects.filter(email__endswith="@bench-alerts.invalid").count() == 300
    assert again["messages_queued"] == OutboxMessage.objects.filter(kind="alerts.digest").count()
    posted = Waiver.objects.filter(source_id__startswith="synthetic-alerts-")
    assert posted.exclude(status=Waiver.Status.DRAFT).count() == 20


@pytest.mark.django_db
def test_it_refuses_a_database_with_real_waivers():
    WaiverFactory()
    with pytest.raises(CommandError, match="not synthetic"):
        call_command("bench_alerts", "--subscriptions", "10", stdout=io.StringIO())


@pytest.mark.django_db
@pytest.mark.parametrize("args", [["--subscriptions", "0"], ["--changes", "1"]])
def test_it_refuses_bad_arguments(args):
    with pytest.raises(CommandError):
        call_command("bench_alerts", *args, stdout=io.StringIO())
