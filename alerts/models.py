"""Email alerts: who follows what (Subscriber, Subscription) and the stream
of public changes they are told about (PublicChange, read from the waivers'
history by alerts.changes). docs/alerts.md describes the whole flow."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from miao_site.timestamps import TimeStampedModel


class Subscriber(TimeStampedModel):
    """An email address that follows something. Kept once however many things
    it follows, and deleted with its last subscription. Staff never see it:
    the admin shows counts only."""

    email = models.EmailField(max_length=254, help_text="Where alerts are sent.")
    email_key = models.CharField(
        max_length=64,
        unique=True,
        editable=False,
        help_text="outbox.addresses.address_key of the address: what look-ups and limits use.",
    )

    class Meta:
        verbose_name = "subscriber"

    def __str__(self) -> str:
        return f"Subscriber {self.pk}"  # never the address


class SubscriptionQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def unconfirmed(self):
        return self.filter(confirmed_at__isnull=True)


class Subscription(TimeStampedModel):
    """One thing an address follows: a search (any filter state of
    waivers.filters.WaiverFilterSet, agency pages included) or one waiver."""

    class Kind(models.TextChoices):
        SEARCH = "search", "New waivers matching a search"
        WAIVER = "waiver", "Changes to one waiver"

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", "As it happens"
        DAILY = "daily", "Daily digest"
        WEEKLY = "weekly", "Weekly digest"

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    query = models.TextField(
        blank=True,
        help_text="The search's filters as a canonical query string (alerts.follow); "
        "empty for a waiver, or for a search of every waiver.",
    )
    waiver = models.ForeignKey(
        "waivers.Waiver",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The followed waiver (kind waiver).",
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty until the address confirms (double opt-in)."
    )
    watermark = models.BigIntegerField(
        default=0,
        help_text="The last PublicChange id this subscription has been told about (or that "
        "did not concern it): the next message starts after it.",
    )
    due_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next message may go out (confirmed only)."
    )
    last_sent_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                name="subscription_kind_valid", condition=Q(kind__in=["search", "waiver"])
            ),
            models.CheckConstraint(
                name="subscription_frequency_valid",
                condition=Q(frequency__in=["immediate", "daily", "weekly"]),
            ),
            # A waiver follow names its waiver and no search; a search names no waiver.
            models.CheckConstraint(
                name="subscription_follows_one_thing",
                condition=(Q(kind="waiver") & Q(waiver__isnull=False) & Q(query=""))
                | (Q(kind="search") & Q(waiver__isnull=True)),
            ),
            # A confirmed subscription is always scheduled.
            models.CheckConstraint(
                name="subscription_confirmed_is_scheduled",
                condition=Q(confirmed_at__isnull=True) | Q(due_at__isnull=False),
            ),
            # An address follows each search and each waiver once.
            models.UniqueConstraint(
                fields=["subscriber", "query"],
                condition=Q(kind="search"),
                name="subscription_search_once",
            ),
            models.UniqueConstraint(
                fields=["subscriber", "waiver"],
                condition=Q(kind="waiver"),
                name="subscription_waiver_once",
            ),
        ]
        indexes = [
            # send_alerts: the confirmed subscriptions whose next message is due.
            models.Index(
                fields=["due_at"],
                name="subscription_due_idx",
                condition=Q(confirmed_at__isnull=False),
            ),
            # Lapsing requests never confirmed (7 days).
            models.Index(
                fields=["created_at"],
                name="subscription_unconfirmed_idx",
                condition=Q(confirmed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"Subscription {self.pk} ({self.get_kind_display().lower()})"


class PublicChange(models.Model):
    """A public change of a waiver, one row per change, in the order
    alerts.changes.collect() found them. Ids only grow in commit order (one
    collector at a time), so a subscription's watermark is a single id."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Posted for review"
        REVIEW_WAIVED = "review_waived", "MIAO waived its review"
        DETERMINED = "determined", "MIAO recorded its determination"
        DECIDED = "decided", "The agency recorded its final decision"
        WITHDRAWN = "withdrawn", "Withdrawn by the agency"
        AMENDED = "amended", "Amended"

    waiver = models.ForeignKey("waivers.Waiver", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(help_text="When the change happened (its history row's time).")
    fields = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        help_text="The public fields an amendment changed.",
    )
    source = models.CharField(
        max_length=40,
        unique=True,
        help_text="The history row it comes from, e.g. status_change:12 or audit_entry:34.",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                name="public_change_kind_valid",
                condition=Q(
                    kind__in=[
                        "submitted",
                        "review_waived",
                        "determined",
                        "decided",
                        "withdrawn",
                        "amended",
                    ]
                ),
            ),
        ]
        indexes = [
            # A followed waiver's changes after a watermark.
            models.Index(fields=["waiver", "id"], name="public_change_waiver_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.source})"


class ChangeCursor(models.Model):
    """How far alerts.changes.collect() has read the history tables: one row,
    locked while collecting so collectors take turns."""

    status_change_id = models.BigIntegerField(default=0)
    audit_entry_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(name="change_cursor_single_row", condition=Q(pk=1)),
        ]

    def __str__(self) -> str:
        return f"History read to status change {self.status_change_id}, audit {self.audit_entry_id}"


class FollowerCount(Subscription):
    """The staff's view of alerts: how many follow each agency, search and
    waiver (alerts.admin). Counts only, never an address."""

    class Meta:
        proxy = True
        verbose_name = "follower count"
        verbose_name_plural = "follower counts"
