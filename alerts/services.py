"""Writes to subscriptions. Every message a change causes is queued in the
outbox inside the same transaction (outbox.mail.enqueue)."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from alerts import messages, schedule
from alerts.models import PublicChange, Subscriber, Subscription
from outbox.addresses import address_key, normalise
from outbox.mail import enqueue
from waivers.models import Waiver

# The most things one address may follow (confirmed or awaiting confirmation).
MAX_SUBSCRIPTIONS = 50
# A request not confirmed within this time lapses (and its link has expired).
UNCONFIRMED_LAPSE = dt.timedelta(days=7)

Kind = Subscription.Kind


class UnknownSubscription(Exception):
    """The link is genuine but its subscription no longer exists."""


@dataclass(frozen=True)
class Target:
    """What someone asks to follow: a search (canonical query) or a waiver."""

    kind: str
    query: str = ""
    waiver: Waiver | None = None

    @classmethod
    def search(cls, query: str) -> "Target":
        return cls(Kind.SEARCH, query=query)

    @classmethod
    def of_waiver(cls, waiver: Waiver) -> "Target":
        return cls(Kind.WAIVER, waiver=waiver)

    def lookup(self) -> dict:
        if self.kind == Kind.WAIVER:
            return {"kind": Kind.WAIVER, "waiver": self.waiver}
        return {"kind": Kind.SEARCH, "query": self.query}


def request_follow(*, email: str, target: Target, frequency: str) -> str:
    """Record a request to follow `target` and mail the address: a
    confirmation link, or a notice when it already follows this or has
    reached MAX_SUBSCRIPTIONS. Returns which ("confirm", "already",
    "limit"); the page shows the same answer in every case."""
    email = normalise(email)
    with transaction.atomic():
        # One request per address at a time: the limit is counted under this lock.
        subscriber, _ = Subscriber.objects.select_for_update().get_or_create(
            email_key=address_key(email), defaults={"email": email}
        )
        existing = subscriber.subscriptions.filter(**target.lookup()).first()
        if existing is not None and existing.confirmed_at is not None:
            enqueue(messages.notice(subscriber.email, reason="already", follows=_follows(existing)))
            return "already"
        if existing is None:
            if subscriber.subscriptions.count() >= MAX_SUBSCRIPTIONS:
                enqueue(
                    messages.notice(
                        subscriber.email, reason="limit", follows=_follows_target(target)
                    )
                )
                return "limit"
            existing = Subscription(subscriber=subscriber, **target.lookup())
        existing.frequency = frequency
        existing.full_clean()
        existing.save()
        enqueue(messages.confirmation(existing, subscriber.email))
    return "confirm"


def follow_confirmed(
    *, email: str, target: Target, frequency: str, now: dt.datetime | None = None
) -> Subscription | None:
    """Follow `target` for an address its owner has just confirmed through
    another double opt-in (a supplier response's link): no confirmation link
    of its own. Already following it changes nothing; an address that follows
    MAX_SUBSCRIPTIONS things is left as it is (None)."""
    email = normalise(email)
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.select_for_update().get_or_create(
            email_key=address_key(email), defaults={"email": email}
        )
        existing = subscriber.subscriptions.filter(**target.lookup()).first()
        if existing is None:
            if subscriber.subscriptions.count() >= MAX_SUBSCRIPTIONS:
                return None
            existing = Subscription(subscriber=subscriber, frequency=frequency, **target.lookup())
            existing.full_clean()
            existing.save()
        return confirm(existing.pk, now=now)


def _follows(subscription: Subscription) -> str:
    return messages.subject_of(subscription)


def _follows_target(target: Target) -> str:
    return messages.subject_of(Subscription(**target.lookup()))


def get_subscription(pk: int) -> Subscription:
    try:
        return Subscription.objects.select_related("waiver").get(pk=pk)
    except Subscription.DoesNotExist:
        raise UnknownSubscription(pk) from None


def confirm(pk: int, *, now: dt.datetime | None = None) -> Subscription:
    """Confirm a subscription (idempotent). It hears of changes from now on:
    its watermark starts at the newest collected change, and changes dated
    before the confirmation are never sent to it (alerts.digests)."""
    now = now or timezone.now()
    with transaction.atomic():
        try:
            subscription = Subscription.objects.select_for_update().get(pk=pk)
        except Subscription.DoesNotExist:
            raise UnknownSubscription(pk) from None
        if subscription.confirmed_at is None:
            subscription.confirmed_at = now
            subscription.watermark = PublicChange.objects.aggregate(last=Max("id"))["last"] or 0
            subscription.due_at = schedule.first_due(subscription.frequency, now)
            subscription.save()
    return subscription


def unsubscribe(pk: int) -> str:
    """Delete a subscription; forget the address with its last one. Returns
    what it followed, in words."""
    with transaction.atomic():
        subscription = get_subscription(pk)
        follows = _follows(subscription)
        subscriber_id = subscription.subscriber_id
        subscription.delete()
        Subscriber.objects.filter(pk=subscriber_id, subscriptions__isnull=True).delete()
    return follows


def change_frequency(subscription: Subscription, frequency: str, *, now=None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        locked.frequency = frequency
        if locked.confirmed_at is not None:
            locked.due_at = schedule.first_due(frequency, now)
        locked.full_clean()
        locked.save()


def forget(subscriber_id: int) -> None:
    """Delete an address and everything it follows."""
    Subscriber.objects.filter(pk=subscriber_id).delete()


def request_manage_link(email: str) -> bool:
    """Mail a manage link if the address follows anything. The caller shows
    the same page either way; the result is for tests and logs only."""
    subscriber = (
        Subscriber.objects.filter(email_key=address_key(email), subscriptions__isnull=False)
        .distinct()
        .first()
    )
    if subscriber is None:
        return False
    with transaction.atomic():
        enqueue(messages.manage_link(subscriber.pk, subscriber.email))
    return True


def lapse_unconfirmed(*, now: dt.datetime | None = None) -> int:
    """Delete requests never confirmed within UNCONFIRMED_LAPSE, and addresses
    left following nothing."""
    cutoff = (now or timezone.now()) - UNCONFIRMED_LAPSE
    deleted, _ = Subscription.objects.unconfirmed().filter(created_at__lt=cutoff).delete()
    Subscriber.objects.filter(subscriptions__isnull=True, created_at__lt=cutoff).delete()
    return deleted
