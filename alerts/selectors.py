"""Aggregate counts of alerts for the staff admin: how many follow each
agency, search and waiver, and how the outbox stands. Counts only: nothing
here reads an address."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.http import QueryDict

from agencies.models import Agency
from alerts import follow
from alerts.models import Subscription
from outbox.models import OutboxMessage, RefusedAddress

Kind = Subscription.Kind
TOP = 50


@dataclass
class Row:
    label: str
    count: int
    url: str = ""


def totals() -> dict:
    by_frequency = dict(
        Subscription.objects.confirmed().values_list("frequency").annotate(n=Count("id"))
    )
    return {
        "confirmed": sum(by_frequency.values()),
        "by_frequency": [
            (label, by_frequency.get(value, 0)) for value, label in Subscription.Frequency.choices
        ],
        "awaiting_confirmation": Subscription.objects.unconfirmed().count(),
    }


def agencies() -> list[Row]:
    """Confirmed searches naming each agency (an agency page's button follows
    a search scoped to its agency)."""
    counts = Counter()
    searches = (
        Subscription.objects.confirmed()
        .filter(kind=Kind.SEARCH)
        .values_list("query")
        .annotate(n=Count("id"))
    )
    for query, n in searches:
        for code in set(QueryDict(query).getlist("agency")):
            counts[code] += n
    names = {a.code: a for a in Agency.objects.filter(code__in=counts)}
    return [
        Row(f"{names[code].display_name} ({code})", n, f"/agencies/{names[code].slug}/")
        for code, n in counts.most_common()
        if code in names
    ]


def searches() -> list[Row]:
    rows = (
        Subscription.objects.confirmed()
        .filter(kind=Kind.SEARCH)
        .values_list("query")
        .annotate(n=Count("id"))
        .order_by("-n", "query")[:TOP]
    )
    return [
        Row(follow.describe(query), n, "/waivers/" + (f"?{query}" if query else ""))
        for query, n in rows
    ]


def waivers(visible) -> list[Row]:
    """The most followed waivers among `visible` (the staff member's scope)."""
    rows = (
        Subscription.objects.confirmed()
        .filter(kind=Kind.WAIVER, waiver__in=visible)
        .values_list("waiver__public_id", "waiver__procurement_title")
        .annotate(n=Count("id"))
        .order_by("-n", "waiver__public_id")[:TOP]
    )
    return [
        Row(f"{public_id} {title}".strip(), n, f"/waivers/{public_id}/")
        for public_id, title, n in rows
    ]


def outbox() -> dict:
    by_status = dict(OutboxMessage.objects.values_list("status").annotate(n=Count("id")))
    return {
        "by_status": [
            (label, by_status.get(value, 0)) for value, label in OutboxMessage.Status.choices
        ],
        "failing_addresses": RefusedAddress.objects.filter(failing_since__isnull=False).count(),
    }
