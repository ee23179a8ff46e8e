"""Nothing private leaks through alerts: followers' addresses never appear in
any public page, feed, export or API response, nor in another follower's
message; and alert messages carry only public fields of public waivers.
Unique markers, as for drafts."""

import pytest
from django.core.management import call_command

from outbox.models import OutboxMessage
from tests.admin.conftest import make_draft
from tests.alerts.helpers import digests_to, run, subscribe
from tests.factories import post
from waivers.models import Waiver, WaiverInternal

pytestmark = pytest.mark.django_db

ADDRESS_MARKER = "leakmarker-8e1f27"
FOLLOWER = f"{ADDRESS_MARKER}@example.org"
INTERNAL_MARKER = "INTERNAL-LEAK-MARKER-40c1"
DRAFT_MARKER = "DRAFT-LEAK-MARKER-40c1"


@pytest.fixture
def followed():
    waiver = post(
        make_draft(
            procurement_title="Followed laser",
            details=[WaiverInternal(market_research=INTERNAL_MARKER, contacts=INTERNAL_MARKER)],
        ),
        to=Waiver.Status.REVIEWED,
    )
    subscribe(FOLLOWER, waiver=waiver)
    subscribe(FOLLOWER, query="psc=6640&agency=1341")
    subscribe(FOLLOWER, query="")
    make_draft(procurement_title=DRAFT_MARKER)
    return waiver


def public_urls(waiver: Waiver) -> list[str]:
    return [
        "/",
        "/waivers/",
        "/waivers/?q=laser",
        "/waivers/?psc=6640&agency=1341",
        f"/waivers/{waiver.public_id}/",
        "/waivers/export.csv",
        "/waivers/export.json",
        "/waivers/feed/",
        "/agencies/",
        "/agencies/national-institute-of-standards-and-technology/",
        "/stats/",
        "/about/",
        "/api/v1/waivers/",
        "/api/v1/waivers/?format=csv",
        f"/api/v1/waivers/{waiver.public_id}/",
        "/api/v1/stats/",
        "/alerts/follow/?psc=6640&agency=1341",
        f"/alerts/follow/waiver/{waiver.public_id}/",
        "/alerts/manage/",
        "/alerts/check-your-email/",
        "/alerts/manage/sent/",
    ]


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def test_follower_addresses_never_appear_in_public_output(client, followed):
    for url in public_urls(followed):
        response = client.get(url)
        assert response.status_code == 200, url
        content = body(response)
        assert ADDRESS_MARKER.encode() not in content, url
        assert b"@example.org" not in content, url


def test_alert_messages_carry_no_government_only_field_and_no_draft(followed):
    post(make_draft(procurement_title="A new laser"))
    run()
    messages = digests_to(FOLLOWER)
    assert (
        len(messages) == 2
    )  # the new waiver matches both searches; the followed one did not change
    for message in OutboxMessage.objects.all():
        for part in (message.subject, message.text_body, message.html_body, str(message.headers)):
            assert INTERNAL_MARKER not in part
            assert DRAFT_MARKER not in part


def test_no_follower_sees_another_followers_address(followed):
    subscribe("second-follower@example.org", query="")
    post(make_draft(procurement_title="A new laser"))
    run()
    (theirs,) = digests_to("second-follower@example.org")
    for part in (theirs.subject, theirs.text_body, theirs.html_body, str(theirs.headers)):
        assert ADDRESS_MARKER not in part
    for message in digests_to(FOLLOWER):
        assert "second-follower" not in message.text_body + message.html_body


def test_addresses_are_not_in_the_logs_or_output_of_the_commands(followed, capsys, caplog):
    post(make_draft(procurement_title="A new laser"))
    call_command("send_alerts", verbosity=2)
    call_command("send_mail_outbox")
    output = capsys.readouterr()
    assert ADDRESS_MARKER not in output.out + output.err + caplog.text
