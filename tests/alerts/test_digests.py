"""send_alerts: who is told what, when, in what words; never drafts or test
records; never twice."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.formats import date_format

from alerts import services as alert_services
from alerts import tokens
from alerts.models import Subscriber, Subscription
from outbox.models import OutboxMessage
from tests.admin.conftest import make_draft
from tests.alerts.helpers import digests_to, run, subscribe
from tests.factories import agency, post
from waivers import services
from waivers.models import NaicsCode, PscCode, Waiver, WaiverInternal

pytestmark = pytest.mark.django_db

Frequency = Subscription.Frequency


def valves(**overrides) -> Waiver:
    fields = {
        "contracting_agency": agency("97AS"),
        "funding_agency": agency("97AS"),
        "naics": NaicsCode.objects.get(code="331110"),
        "psc": PscCode.objects.get(code="4820"),
        "procurement_title": "Bronze gate valves",
    }
    return make_draft(**{**fields, **overrides})


def laser(**overrides) -> Waiver:
    return make_draft(**{"procurement_title": "Tunable laser", **overrides})


def test_a_search_alert_lists_the_new_waivers_it_matches_and_only_those():
    subscribe("buyer@example.org", query="naics=3311&agency=97AS")
    matching = post(valves())
    post(laser())  # another NAICS and agency
    post(valves(contracting_agency=agency("1341"), funding_agency=agency("1341")))

    report = run()

    (message,) = digests_to("buyer@example.org")
    assert report.messages == 1
    assert matching.public_id in message.text_body
    assert "Tunable laser" not in message.text_body
    assert message.text_body.count("Bronze gate valves") == 1
    assert (
        message.subject
        == "1 new waiver matches your alert: Agency: Defense Logistics Agency; NAICS 3311"
    )
    # What matched and why, in words, with links.
    assert "Why you get this: you follow new waivers that match this search" in message.text_body
    assert "NAICS 3311" in message.text_body and "Defense Logistics Agency" in message.text_body
    assert f"/waivers/{matching.public_id}/" in message.text_body
    assert "/waivers/?agency=97AS&naics=3311" in message.text_body
    assert f'href="http://127.0.0.1:8000/waivers/{matching.public_id}/"' in message.html_body
    assert "Bronze gate valves" in message.html_body


def test_every_alert_offers_one_click_unsubscribe_and_manage_links():
    subscription = subscribe("buyer@example.org")
    post(laser())
    run()
    (message,) = digests_to("buyer@example.org")
    unsubscribe = message.headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://127.0.0.1:8000/alerts/unsubscribe/")
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = unsubscribe.strip("<>")
    assert url in message.text_body and url in message.html_body
    assert "/alerts/manage/" in message.text_body and "/alerts/manage/" in message.html_body
    assert tokens.read("unsubscribe", url.rstrip("/").rsplit("/", 1)[1]) == subscription.pk


def test_each_subscriber_of_the_same_search_gets_their_own_unsubscribe_link():
    first = subscribe("one@example.org", query="psc=6640")
    second = subscribe("two@example.org", query="psc=6640")
    post(laser())
    run()
    (to_first,) = digests_to("one@example.org")
    (to_second,) = digests_to("two@example.org")
    assert to_first.text_body != to_second.text_body
    for message in (to_first, to_second):
        whole = message.text_body + message.html_body + str(message.headers)
        assert "PLACEHOLDER" not in whole
        day = date_format(timezone.localtime(first.confirmed_at), "j F Y")
        assert f"1 new waiver posted since {day} matches your alert." in message.text_body
    assert to_first.headers["List-Unsubscribe"] != to_second.headers["List-Unsubscribe"]
    assert first.pk != second.pk


def test_drafts_and_test_records_never_go_out():
    subscribe("buyer@example.org")
    laser(procurement_title="DRAFT-MARKER-7731")  # never submitted
    test_record = laser(procurement_title="TEST-MARKER-7731")
    Waiver.objects.filter(pk=test_record.pk).update(is_test_record=True)
    post(test_record)
    assert run().messages == 0
    assert not OutboxMessage.objects.filter(kind="alerts.digest").exists()


def test_a_waiver_alert_tells_each_public_change_in_words():
    waiver = post(laser())
    subscription = subscribe("watcher@example.org", waiver=waiver)
    services.start_review(waiver, actor=None)
    services.record_determination(
        waiver, actor=None, determination="conditionally_consistent", conditions="Buy US spares"
    )
    run()
    (message,) = digests_to("watcher@example.org")
    assert message.subject == (
        f"Waiver {waiver.public_id}: MIAO recorded its determination: "
        "conditionally consistent with policy"
    )
    assert "What changed:" in message.text_body
    assert "MIAO recorded its determination: conditionally consistent with policy." in (
        message.text_body
    )
    changed = message.text_body.split("What changed:")[1].split("Why you get this")[0]
    assert len(changed.strip().splitlines()) == 1  # starting the review is not a public change

    waiver.refresh_from_db()
    waiver.summary = "A corrected summary."
    waiver.naics = NaicsCode.objects.get(code="331110")
    services.amend(waiver, actor=None, expected_version=waiver.version, reason="Corrected")
    services.record_final_decision(
        waiver, actor=None, decision="granted", decided_on=timezone.localdate()
    )
    Subscription.objects.filter(pk=subscription.pk).update(due_at=timezone.now())
    run()
    second = digests_to("watcher@example.org")[1]
    assert second.subject == f"Waiver {waiver.public_id}: 2 changes"
    assert "amended (NAICS code, Summary of procurement)." in second.text_body
    assert "the agency recorded its final decision: granted." in second.text_body


def test_an_amendment_of_government_only_information_is_not_a_public_change():
    waiver = post(laser())
    subscribe("watcher@example.org", waiver=waiver)
    waiver.refresh_from_db()
    services.amend(
        waiver,
        actor=None,
        expected_version=waiver.version,
        reason="Internal note",
        details=[WaiverInternal(market_research="INTERNAL-MARKER-5521")],
    )
    assert run().messages == 0


def test_withdrawal_is_told_to_followers_of_the_waiver():
    waiver = post(laser())
    subscribe("watcher@example.org", waiver=waiver)
    services.withdraw(waiver, actor=None)
    run()
    (message,) = digests_to("watcher@example.org")
    assert "the agency withdrew the waiver." in message.text_body
    assert "status now: Withdrawn" in message.text_body


def test_an_agency_follow_gets_the_agencys_new_waivers_including_its_sub_tiers():
    subscribe("dod@example.org", query="agency=097")  # Department of Defense
    dla = post(valves())  # DLA is a DoD sub-tier
    post(laser())  # NIST
    run()
    (message,) = digests_to("dod@example.org")
    assert dla.public_id in message.text_body
    assert "Tunable laser" not in message.text_body


def test_changes_before_the_confirmation_are_never_sent():
    subscription = subscribe("late@example.org", confirm=False)
    post(laser(procurement_title="Before confirmation"))
    alert_services.confirm(subscription.pk)
    post(laser(procurement_title="After confirmation"))
    run()
    (message,) = digests_to("late@example.org")
    assert "After confirmation" in message.text_body
    assert "Before confirmation" not in message.text_body


def test_unconfirmed_requests_get_nothing_and_lapse_after_seven_days():
    subscription = subscribe("maybe@example.org", confirm=False)
    post(laser())
    assert run().messages == 0
    assert run(now=timezone.now() + dt.timedelta(days=6)).lapsed == 0
    assert run(now=timezone.now() + dt.timedelta(days=7, minutes=1)).lapsed == 1
    assert not Subscription.objects.filter(pk=subscription.pk).exists()
    assert not Subscriber.objects.exists()  # the address is forgotten with it


def test_running_again_sends_nothing_new():
    subscribe("buyer@example.org")
    post(laser())
    assert run().messages == 1
    assert run().messages == 0
    assert run().messages == 0
    assert len(digests_to("buyer@example.org")) == 1


def test_as_it_happens_bundles_changes_for_five_minutes_after_a_message():
    subscribe("quick@example.org")
    post(laser(procurement_title="First"))
    now = timezone.now()
    assert run(now=now).messages == 1
    post(laser(procurement_title="Second"))
    post(laser(procurement_title="Third"))
    assert run(now=now + dt.timedelta(minutes=2)).messages == 0  # bundling
    assert run(now=now + dt.timedelta(minutes=5)).messages == 1
    second = digests_to("quick@example.org")[1]
    assert "Second" in second.text_body and "Third" in second.text_body
    assert "2 new waivers match your alert" in second.subject


def test_daily_and_weekly_digests_wait_for_their_hour(settings):
    settings.ALERTS_DIGEST_HOUR = 7
    subscribe("daily@example.org", frequency=Frequency.DAILY)
    weekly = subscribe("weekly@example.org", frequency=Frequency.WEEKLY)
    post(laser())
    now = timezone.now()
    assert run(now=now).messages == 0
    next_seven = timezone.localtime(
        Subscription.objects.get(subscriber__email="daily@example.org").due_at
    )
    assert next_seven.hour == 7 and next_seven > timezone.localtime(now)
    assert next_seven - timezone.localtime(now) <= dt.timedelta(days=1)
    run(now=next_seven)
    assert len(digests_to("daily@example.org")) == 1
    assert timezone.localtime(weekly.due_at).weekday() == 0  # Monday
    assert digests_to("weekly@example.org") == []
    run(now=weekly.due_at)
    (message,) = digests_to("weekly@example.org")
    assert "Delivery: weekly digest." in message.text_body


def test_a_search_that_no_longer_validates_sends_nothing(caplog):
    subscription = subscribe("buyer@example.org", query="psc=6640")
    Subscription.objects.filter(pk=subscription.pk).update(query="psc=6640&agency=NOPE")
    post(laser())
    assert run().messages == 0
    assert "no longer validates" in caplog.text
    subscription.refresh_from_db()
    assert subscription.watermark > 0  # examined, and nothing more to do


def test_a_digest_lists_at_most_fifty_waivers_and_links_to_the_rest():
    subscribe("bulk@example.org")
    for n in range(52):
        post(laser(procurement_title=f"Bulk item {n:02d}"))
    run()
    (message,) = digests_to("bulk@example.org")
    assert message.text_body.count("Bulk item") == 50
    assert "…and 2 more." in message.text_body
    assert message.subject.startswith("52 new waivers match your alert")


def test_messages_have_a_text_and_an_html_part_once_delivered(mailoutbox):
    subscribe("buyer@example.org")
    post(laser())
    run()
    call_command("send_mail_outbox", stdout=open("/dev/null", "w"))  # noqa: SIM115
    digest = [m for m in mailoutbox if "matches your alert" in m.subject][0]
    assert digest.body.strip()
    ((html, mimetype),) = digest.alternatives
    assert mimetype == "text/html" and "<html" in html
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
