"""Delivering the outbox through Django's email backend (SMTP in production,
the console in development).

Each message is taken in its own short transaction with a row lock
(SELECT … FOR UPDATE SKIP LOCKED), sent, and marked in that transaction, so
any number of senders can run at once without sending a message twice. A
sender killed between the mail server's acceptance and its commit leaves the
message pending: it is sent again (at least once, never lost). Its
Message-ID stays the same, so a receiving system can tell the copies apart.

What happens when delivery fails (docs/outbox.md):

- The server cannot be reached, or refuses the session itself (connection,
  TLS, authentication, sender): the message waits (backoff below) and this
  run stops; the next run tries again with one message first.
- A temporary refusal of the message (4xx): the message waits, with backoff.
- A permanent refusal (5xx to the recipient or the message): the message is
  not delivered, and the refusal counts against the address. After
  OUTBOX_FAILING_AFTER such refusals in a row the address is failing; later
  messages to it are not attempted (except those its owner just asked for).
- After OUTBOX_MAX_ATTEMPTS attempts a message is given up.
"""

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from outbox.addresses import address_key
from outbox.models import OutboxMessage, RefusedAddress

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status

# Wait after the nth failed attempt: 1, 2, 4, 8 … minutes, at most 6 hours.
BACKOFF_FIRST = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)

PERMANENT, TEMPORARY, SERVER = "permanent", "temporary", "server"


def backoff(attempts: int) -> dt.timedelta:
    return min(BACKOFF_FIRST * 2 ** min(attempts - 1, 20), BACKOFF_MAX)


@dataclass
class Report:
    sent: int = 0
    deferred: int = 0
    refused: int = 0
    gave_up: int = 0
    suppressed: int = 0
    server_down: bool = False

    @property
    def attempted(self) -> int:
        return self.sent + self.deferred + self.refused + self.gave_up + self.suppressed

    def __str__(self) -> str:
        text = (
            f"sent {self.sent}, waiting to retry {self.deferred}, refused {self.refused}, "
            f"given up {self.gave_up}, not sent to failing addresses {self.suppressed}"
        )
        return text + ("; the mail server could not be reached" if self.server_down else "")


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def classify(error: Exception) -> tuple[str, str]:
    """(PERMANENT, TEMPORARY or SERVER, a description) of a failed send."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        detail = "; ".join(f"{code} {_text(text)}" for code, text in error.recipients.values())
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return (PERMANENT if permanent else TEMPORARY), f"recipient refused: {detail}"
    server_level = (
        smtplib.SMTPConnectError,
        smtplib.SMTPHeloError,
        smtplib.SMTPAuthenticationError,
        smtplib.SMTPSenderRefused,
        smtplib.SMTPNotSupportedError,
        smtplib.SMTPServerDisconnected,
    )
    if isinstance(error, smtplib.SMTPResponseException) and not isinstance(error, server_level):
        kind = PERMANENT if error.smtp_code >= 500 else TEMPORARY
        return kind, f"message refused: {error.smtp_code} {_text(error.smtp_error)}"
    return SERVER, f"{type(error).__name__}: {error}"


def as_email(message: OutboxMessage) -> EmailMultiAlternatives:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    headers = {
        **message.headers,
        # The same for every attempt, so copies sent twice can be recognised.
        "Message-ID": f"<outbox.{message.pk}.{message.created_at:%Y%m%d%H%M%S}@{domain}>",
    }
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers=headers,
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    return email


def _is_failing(address: str) -> bool:
    return RefusedAddress.objects.filter(
        address_key=address_key(address), failing_since__isnull=False
    ).exists()


def _record_refusal(address: str, error: str, at: dt.datetime) -> None:
    row, _ = RefusedAddress.objects.select_for_update().get_or_create(
        address_key=address_key(address)
    )
    row.refusals += 1
    row.last_error = error
    if row.refusals >= settings.OUTBOX_FAILING_AFTER and row.failing_since is None:
        row.failing_since = at
        logger.warning("An address is now failing after %s permanent refusals.", row.refusals)
    row.save()


def _finish(message: OutboxMessage, status: str, at: dt.datetime, error: str = "") -> None:
    message.status = status
    message.last_error = error
    if status == Status.SENT:
        message.sent_at = at
    message.save(update_fields=["status", "attempts", "last_error", "sent_at", "updated_at"])


def _defer(message: OutboxMessage, at: dt.datetime, error: str, report: Report) -> None:
    if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        _finish(message, Status.FAILED, at, f"gave up after {message.attempts} attempts: {error}")
        report.gave_up += 1
        return
    message.next_attempt_at = at + backoff(message.attempts)
    message.last_error = error
    message.save(update_fields=["attempts", "next_attempt_at", "last_error", "updated_at"])
    report.deferred += 1


class _Connection:
    """One backend connection, opened on first use and reopened after the
    server dropped it."""

    def __init__(self):
        self.backend = None

    def send(self, email) -> int:
        if self.backend is None:
            backend = get_connection(fail_silently=False)
            backend.open()
            self.backend = backend
        return self.backend.send_messages([email])

    def close(self) -> None:
        if self.backend is not None:
            try:
                self.backend.close()
            except Exception:  # noqa: BLE001 - a dead connection cannot be closed politely
                logger.debug("Closing the mail connection failed", exc_info=True)
            self.backend = None


def send_due(*, limit: int | None = None, now: dt.datetime | None = None) -> Report:
    """Send the messages that are due, oldest first (at most `limit`)."""
    report = Report()
    connection = _Connection()
    try:
        while limit is None or report.attempted < limit:
            with transaction.atomic():
                message = (
                    OutboxMessage.objects.due(now)
                    .select_for_update(skip_locked=True)
                    .order_by("next_attempt_at", "id")
                    .first()
                )
                if message is None:
                    break
                _attempt(message, connection, now or timezone.now(), report)
            if report.server_down:
                break
    finally:
        connection.close()
    return report


def _attempt(message: OutboxMessage, connection: _Connection, at, report: Report) -> None:
    if not message.requested and _is_failing(message.to):
        _finish(message, Status.FAILED, at, "not sent: the address is failing")
        report.suppressed += 1
        return
    message.attempts += 1
    try:
        if connection.send(as_email(message)) != 1:
            raise smtplib.SMTPException("the mail backend did not send the message")
    except (smtplib.SMTPException, OSError) as error:
        kind, text = classify(error)
        if kind == PERMANENT:
            _finish(message, Status.FAILED, at, text)
            _record_refusal(message.to, text, at)
            report.refused += 1
            return
        if kind == SERVER:
            connection.close()
            report.server_down = True
            logger.error("The mail server could not be reached or refused the session: %s", text)
        _defer(message, at, text, report)
        return
    _finish(message, Status.SENT, at)
    RefusedAddress.objects.filter(address_key=address_key(message.to)).delete()
    report.sent += 1


def purge(*, now: dt.datetime | None = None) -> int:
    """Delete sent and failed messages older than OUTBOX_KEEP_DAYS."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.OUTBOX_KEEP_DAYS)
    deleted, _ = (
        OutboxMessage.objects.exclude(status=Status.PENDING).filter(updated_at__lt=cutoff).delete()
    )
    return deleted
