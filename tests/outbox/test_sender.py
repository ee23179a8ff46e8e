"""The outbox sender against a real SMTP server on loopback: what arrives,
retries when the server refuses or is down, failing addresses, giving up."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from outbox import sender
from outbox.addresses import address_key
from outbox.mail import Message, enqueue
from outbox.models import OutboxMessage, RefusedAddress

pytestmark = pytest.mark.django_db

Status = OutboxMessage.Status


def queue(to="reader@example.org", **overrides) -> OutboxMessage:
    fields = {
        "kind": "test.message",
        "to": to,
        "subject": "Waiver alert",
        "text": "Plain words.",
        "html": "<p>Plain <strong>words</strong>.</p>",
        "headers": {"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    }
    fields.update(overrides)
    return enqueue(Message(**fields))


def test_a_queued_message_arrives_with_both_parts_and_its_headers(smtp_server, settings):
    settings.DEFAULT_FROM_EMAIL = "alerts@waivers.example.gov"
    row = queue(headers={"List-Unsubscribe": "<https://waivers.example.gov/u/1/>"})

    report = sender.send_due()

    assert report.sent == 1
    (received,) = smtp_server.received
    assert received.envelope_to == ["reader@example.org"]
    message = received.message
    assert message["To"] == "reader@example.org"
    assert message["From"] == "alerts@waivers.example.gov"
    assert message["Subject"] == "Waiver alert"
    assert message["List-Unsubscribe"] == "<https://waivers.example.gov/u/1/>"
    assert message["Message-ID"].startswith(f"<outbox.{row.pk}.")
    assert message["Message-ID"].endswith("@waivers.example.gov>")
    assert message.get_content_type() == "multipart/alternative"
    assert received.text.strip() == "Plain words."
    assert "<strong>words</strong>" in received.html
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 1, "")
    assert row.sent_at is not None


def test_nothing_due_sends_nothing(smtp_server):
    queue()
    sender.send_due()
    assert sender.send_due().attempted == 0
    assert len(smtp_server.received) == 1


def test_server_down_keeps_messages_and_delivers_them_when_it_is_back(smtp_server):
    first, second = queue(to="one@example.org"), queue(to="two@example.org")
    smtp_server.stop()
    now = timezone.now()

    report = sender.send_due(now=now)

    assert report.server_down and report.sent == 0
    first.refresh_from_db()
    second.refresh_from_db()
    # One message probed the server and waits; the run stopped there.
    assert first.status == Status.PENDING and first.attempts == 1
    assert "Connection" in first.last_error or "refused" in first.last_error.lower()
    assert first.next_attempt_at == now + dt.timedelta(minutes=1)
    assert second.status == Status.PENDING and second.attempts == 0

    smtp_server.start()
    sender.send_due(now=now)  # the second is due at once
    sender.send_due(now=now + dt.timedelta(minutes=1))  # the first after its wait

    assert sorted(r.envelope_to[0] for r in smtp_server.received) == [
        "one@example.org",
        "two@example.org",
    ]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_temporary_refusal_is_retried_after_a_growing_wait(smtp_server):
    row = queue(to="busy@example.org")
    smtp_server.refuse("busy@example.org", "451 4.7.1 Try again later")
    now = timezone.now()

    sender.send_due(now=now)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert "451" in row.last_error
    assert row.next_attempt_at == now + dt.timedelta(minutes=1)

    assert sender.send_due(now=now + dt.timedelta(seconds=30)).attempted == 0  # not yet due
    sender.send_due(now=now + dt.timedelta(minutes=1))
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at == now + dt.timedelta(minutes=1) + dt.timedelta(minutes=2)

    smtp_server.accept("busy@example.org")
    sender.send_due(now=now + dt.timedelta(minutes=3))
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 3
    assert len(smtp_server.messages_to("busy@example.org")) == 1


def test_backoff_doubles_up_to_six_hours():
    assert [sender.backoff(n) for n in (1, 2, 3, 4)] == [
        dt.timedelta(minutes=m) for m in (1, 2, 4, 8)
    ]
    assert sender.backoff(12) == dt.timedelta(hours=6)
    assert sender.backoff(500) == dt.timedelta(hours=6)


def test_a_message_is_given_up_after_the_most_attempts(smtp_server, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    row = queue(to="busy@example.org")
    smtp_server.refuse("busy@example.org", "452 4.2.2 Mailbox full")
    now = timezone.now()
    sender.send_due(now=now)
    report = sender.send_due(now=now + dt.timedelta(hours=1))
    row.refresh_from_db()
    assert report.gave_up == 1
    assert row.status == Status.FAILED
    assert row.last_error.startswith("gave up after 2 attempts: recipient refused: 452")


def test_repeated_permanent_refusals_mark_the_address_failing(smtp_server, settings):
    settings.OUTBOX_FAILING_AFTER = 3
    address = "Gone@Example.org"
    smtp_server.refuse("gone@example.org", "550 5.1.1 No such user")
    rows = [queue(to=address) for _ in range(3)]

    report = sender.send_due()

    assert report.refused == 3
    for row in rows:
        row.refresh_from_db()
        assert row.status == Status.FAILED and row.attempts == 1
        assert "550" in row.last_error
    refused = RefusedAddress.objects.get(address_key=address_key(address))
    assert refused.refusals == 3 and refused.failing_since is not None

    # Later messages to it are not attempted at all ...
    later = queue(to="gone@example.org")
    attempts_before = len(smtp_server.rcpt_attempts)
    assert sender.send_due().suppressed == 1
    later.refresh_from_db()
    assert later.status == Status.FAILED and later.attempts == 0
    assert later.last_error == "not sent: the address is failing"
    assert len(smtp_server.rcpt_attempts) == attempts_before

    # ... except one its owner has just asked for; a delivery clears the mark.
    smtp_server.accept("gone@example.org")
    asked = queue(to=address, requested=True)
    assert sender.send_due().sent == 1
    asked.refresh_from_db()
    assert asked.status == Status.SENT
    assert not RefusedAddress.objects.exists()


def test_fewer_refusals_than_the_threshold_do_not_mark_the_address(smtp_server, settings):
    settings.OUTBOX_FAILING_AFTER = 3
    smtp_server.refuse("flaky@example.org")
    queue(to="flaky@example.org")
    queue(to="flaky@example.org")
    sender.send_due()
    smtp_server.accept("flaky@example.org")
    queue(to="flaky@example.org")
    assert sender.send_due().sent == 1  # still attempted, and the count starts again
    assert not RefusedAddress.objects.exists()


def test_a_refused_recipient_does_not_stop_the_others(smtp_server):
    smtp_server.refuse("gone@example.org")
    queue(to="gone@example.org")
    queue(to="here@example.org")
    report = sender.send_due()
    assert (report.refused, report.sent) == (1, 1)
    assert len(smtp_server.messages_to("here@example.org")) == 1


def test_purge_deletes_old_sent_and_failed_messages_only(smtp_server, settings):
    settings.OUTBOX_KEEP_DAYS = 7
    sent, waiting = queue(), queue(to="later@example.org")
    sender.send_due()
    OutboxMessage.objects.filter(pk=waiting.pk).update(
        status=Status.PENDING, next_attempt_at=timezone.now() + dt.timedelta(days=30)
    )
    assert sender.purge(now=timezone.now() + dt.timedelta(days=6)) == 0
    assert sender.purge(now=timezone.now() + dt.timedelta(days=8)) == 1
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert not OutboxMessage.objects.filter(pk=sent.pk).exists()


def test_the_command_sends_and_reports(smtp_server, capsys):
    queue()
    call_command("send_mail_outbox")
    assert "sent 1" in capsys.readouterr().out
    assert len(smtp_server.received) == 1


def test_the_command_with_the_server_down_says_so_and_exits_normally(settings, capsys):
    from tests.smtp import LoopbackSMTP, free_port

    LoopbackSMTP().configure(settings)
    settings.EMAIL_PORT = free_port()  # nothing listens there
    queue()
    call_command("send_mail_outbox")
    assert "could not be reached" in capsys.readouterr().out
    assert OutboxMessage.objects.get().status == Status.PENDING


def test_the_loop_runs_passes_until_stopped(smtp_server):
    from outbox import looping

    queue()
    passes = []
    looping.run(lambda: passes.append(sender.send_due()), interval=0.01, passes=3)
    assert [report.sent for report in passes] == [1, 0, 0]
