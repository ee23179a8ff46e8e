"""The mail outbox: every message the site sends is first a row here,
written in the same transaction as the change that causes it, and delivered
later by the sender (outbox.sender, `manage.py send_mail_outbox`).

A change that rolls back leaves no message; a committed change always leaves
one, whether or not the mail server is reachable at that moment.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from miao_site.timestamps import TimeStampedModel


class OutboxMessageQuerySet(models.QuerySet):
    def due(self, now=None):
        """Pending messages whose next attempt is due."""
        return self.filter(
            status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now or timezone.now()
        )


class OutboxMessage(TimeStampedModel):
    """One message to one recipient, complete as it will be sent."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Not delivered"

    kind = models.CharField(
        max_length=50, help_text="What the message is, e.g. alerts.digest (for logs and counts)."
    )
    to = models.EmailField("recipient", max_length=254)
    subject = models.CharField(max_length=998)  # RFC 5322's line limit
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True, help_text="Extra headers by name.")
    requested = models.BooleanField(
        default=False,
        help_text="The recipient has just asked for this message (a confirmation link): it is "
        "attempted even to an address marked failing.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Delivery attempts so far.")
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = "outgoing message"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                name="outbox_status_valid", condition=Q(status__in=["pending", "sent", "failed"])
            ),
            # A sent message says when it went.
            models.CheckConstraint(
                name="outbox_sent_has_time", condition=~Q(status="sent") | Q(sent_at__isnull=False)
            ),
        ]
        indexes = [
            # The sender's queue: pending messages by when they are next due.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="outbox_pending_due_idx",
                condition=Q(status="pending"),
            ),
            # Purging delivered and failed messages after OUTBOX_KEEP_DAYS.
            models.Index(
                fields=["updated_at"], name="outbox_done_idx", condition=~Q(status="pending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.get_status_display()})"


class RefusedAddress(TimeStampedModel):
    """An address the mail server refused permanently (5xx). After
    OUTBOX_FAILING_AFTER refusals with no delivery in between it is failing:
    nothing more is sent to it except what its owner has just asked for. A
    delivery to it removes the row. Only the address's key is kept."""

    address_key = models.CharField(max_length=64, unique=True)
    refusals = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = "refused address"
        verbose_name_plural = "refused addresses"

    def __str__(self) -> str:
        return f"{self.address_key[:12]}… refused {self.refusals}×"
