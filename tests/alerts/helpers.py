"""Shared steps of the alert tests: follow something as a reader would
(request, then confirm), run send_alerts, read what was queued."""

from django.http import QueryDict

from alerts import digests, follow, services
from alerts.models import Subscription
from outbox.models import OutboxMessage


def subscribe(
    email: str,
    *,
    query: str | None = None,
    waiver=None,
    frequency: str = Subscription.Frequency.IMMEDIATE,
    confirm: bool = True,
) -> Subscription:
    target = (
        services.Target.of_waiver(waiver)
        if waiver is not None
        else services.Target.search(follow.canonical_query(QueryDict(query or "")))
    )
    services.request_follow(email=email, target=target, frequency=frequency)
    subscription = Subscription.objects.filter(**target.lookup()).get(
        subscriber__email=email.strip()
    )
    if confirm:
        subscription = services.confirm(subscription.pk)
    return subscription


def run(**kwargs) -> digests.Report:
    return digests.send_alerts(**kwargs)


def digests_to(email: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind="alerts.digest", to=email).order_by("id"))
