"""Putting messages in the outbox. Call these inside the transaction of the
change that causes the message: the message then exists exactly when the
change does, and no request ever waits on (or fails with) the mail server."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from outbox.addresses import normalise
from outbox.models import OutboxMessage


@dataclass
class Message:
    """A message to one recipient, before it is queued."""

    kind: str
    to: str
    subject: str
    text: str
    html: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    requested: bool = False

    def row(self) -> OutboxMessage:
        return OutboxMessage(
            kind=self.kind,
            to=normalise(self.to),
            subject=" ".join(self.subject.split()),  # one line, whatever the caller built
            text_body=self.text,
            html_body=self.html,
            headers=self.headers,
            requested=self.requested,
        )


def enqueue(message: Message) -> OutboxMessage:
    row = message.row()
    row.save()
    return row


def enqueue_many(messages: Iterable[Message], batch_size: int = 500) -> int:
    """Queue many messages with few INSERTs (alert digests)."""
    rows = [message.row() for message in messages]
    OutboxMessage.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)
