"""The append-only audit trail of every change to a waiver."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .waiver import Waiver


class WaiverAuditEntry(models.Model):
    """One recorded change to a waiver: what changed field by field (old and
    new values), who changed it, when, and why.

    Written only by `waivers.audit.record()`, called from the service layer.
    Rows are never updated or deleted: the admin shows them read-only and a
    database trigger (waivers migration 0002) refuses UPDATE and DELETE. The
    waiver reference carries no foreign-key constraint and `waiver_public_id`
    is a copy, so the trail of a waiver a superuser deleted survives it.
    """

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Draft edited"
        AMENDED = "amended", "Amended after posting"
        TRANSITION = "transition", "Status changed"
        DELETED = "deleted", "Deleted"
        RESPONSE_OUTCOME = "response_outcome", "Supplier response outcome recorded"

    waiver = models.ForeignKey(
        Waiver,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="audit_entries",
        help_text="The waiver; may point at a deleted row, so always read waiver_public_id.",
    )
    waiver_public_id = models.CharField("waiver", max_length=20)
    action = models.CharField(max_length=20, choices=Action.choices)
    changes = models.JSONField(
        default=list,
        blank=True,
        help_text='Field-level changes: [{"field": ..., "old": ..., "new": ...}, ...].',
    )
    snapshot = models.JSONField(
        default=dict, blank=True, help_text="The whole record, kept when a waiver is deleted."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who made the change (empty for imports).",
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True, help_text="The note or amendment reason given.")

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit trail"
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="audit_action_valid",
                condition=models.Q(
                    action__in=[
                        "created",
                        "edited",
                        "amended",
                        "transition",
                        "deleted",
                        "response_outcome",
                    ]
                ),
            ),
            # An amendment of posted content always says why.
            models.CheckConstraint(
                name="audit_amendment_has_reason",
                condition=~models.Q(action="amended") | ~models.Q(reason=""),
            ),
        ]
        indexes = [
            # A waiver's trail on its history page, newest first.
            models.Index(fields=["waiver", "-at"], name="audit_waiver_at_idx"),
            # The trail of a deleted waiver, found by its public id.
            models.Index(fields=["waiver_public_id"], name="audit_public_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.waiver_public_id} {self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def changed_fields(self) -> list[str]:
        return [change["field"] for change in self.changes]


class ReviewQueueItem(Waiver):
    """The reviewers' queue: posted waivers awaiting MIAO's review (a proxy of
    Waiver with its own admin page)."""

    class Meta:
        proxy = True
        verbose_name = "waiver awaiting review"
        verbose_name_plural = "review queue"
