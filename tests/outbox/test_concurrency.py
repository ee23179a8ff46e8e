"""Several senders at once: each message is sent once (row locks, SKIP LOCKED).
These tests commit for real (transactional_db) so each thread's own database
connection sees the others' work."""

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from outbox import sender
from outbox.mail import Message, enqueue
from outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)


def queue(n: int) -> list[OutboxMessage]:
    return [
        enqueue(Message(kind="test", to=f"reader{i}@example.org", subject=f"#{i}", text="x"))
        for i in range(n)
    ]


def in_thread(target, *args):
    def run():
        try:
            target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_senders_at_once_deliver_each_message_exactly_once(smtp_server):
    queue(30)
    reports = []
    threads = [in_thread(lambda: reports.append(sender.send_due())) for _ in range(2)]
    for thread in threads:
        thread.join(timeout=60)

    ids = Counter(received.message["Message-ID"] for received in smtp_server.received)
    assert len(ids) == 30 and set(ids.values()) == {1}
    assert sum(report.sent for report in reports) == 30
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_a_message_locked_by_another_sender_is_skipped_not_waited_for(smtp_server):
    locked, other = queue(2)
    holding, release = threading.Event(), threading.Event()

    def hold_lock():
        with transaction.atomic():
            OutboxMessage.objects.select_for_update().get(pk=locked.pk)
            holding.set()
            release.wait(timeout=30)

    thread = in_thread(hold_lock)
    assert holding.wait(timeout=10)
    try:
        report = sender.send_due()
    finally:
        release.set()
        thread.join(timeout=30)

    assert report.sent == 1
    assert [r.envelope_to for r in smtp_server.received] == [[other.to]]
    assert OutboxMessage.objects.get(pk=locked.pk).status == "pending"
    assert sender.send_due().sent == 1  # once the other sender let go
