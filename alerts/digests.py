"""Preparing alert messages (`manage.py send_alerts`; docs/alerts.md).

One run:

1. collects the public changes recorded since the last run (alerts.changes);
2. lapses requests never confirmed;
3. takes `upto`, the newest change id: this run tells every due subscription
   about the changes after its watermark, up to `upto`;
4. streams the due subscriptions (confirmed, due now, watermark below
   `upto`) ordered so that those following the same thing are adjacent;
5. works out once for each thing followed which changes concern it:
   - a search: the waivers posted in the window that the one FilterSet
     (waivers.filters.WaiverFilterSet) matches over Waiver.objects.public()
     restricted to those waivers: one small query per distinct search,
     however many people follow it and however large the table;
   - a waiver: its own changes, if it is public;
6. in batches, each in one transaction: locks the subscriptions (SKIP LOCKED:
   another run is handling those), keeps each one's changes after its own
   watermark and dated from its confirmation, queues one message for each
   that has any (outbox), and moves every watermark to `upto`.

A crash rolls back the batch in progress: its messages are not queued and its
watermarks do not move, so the next run sends exactly what this one did not.
Two runs at once never handle the same subscription for the same changes.
"""

import logging
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from alerts import changes as public_changes
from alerts import follow, messages, schedule, services
from alerts.messages import Change, WaiverSummary
from alerts.models import PublicChange, Subscription
from outbox.mail import enqueue_many
from waivers.models import Waiver

logger = logging.getLogger(__name__)

Kind = Subscription.Kind
BATCH_SIZE = 500


@dataclass
class Report:
    collected: int = 0
    lapsed: int = 0
    subscriptions: int = 0
    searches: int = 0
    messages: int = 0
    batches: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"collected {self.collected} public changes; {self.subscriptions} subscriptions due, "
            f"{self.searches} distinct searches matched, {self.messages} messages queued in "
            f"{self.batches} batches; {self.lapsed} unconfirmed requests lapsed "
            f"({self.seconds:.1f} s)"
        )


@dataclass
class _Window:
    """The collected changes a run looks at, read once."""

    upto: int
    submitted: list[Change] = field(default_factory=list)  # new public waivers
    by_waiver: dict[int, list[Change]] = field(default_factory=dict)  # of public waivers
    waivers: dict[int, WaiverSummary] = field(default_factory=dict)

    @classmethod
    def read(cls, low: int, upto: int) -> "_Window":
        window = cls(upto)
        rows = [
            Change(pk, waiver_id, kind, at, tuple(fields))
            for pk, waiver_id, kind, at, fields in PublicChange.objects.filter(
                id__gt=low, id__lte=upto
            )
            .order_by("at", "id")
            .values_list("id", "waiver_id", "kind", "at", "fields")
        ]
        window.waivers = WaiverSummary.load({change.waiver_id for change in rows})
        by_waiver = defaultdict(list)
        for change in rows:
            if change.waiver_id not in window.waivers:
                continue  # a draft or test record never goes out
            by_waiver[change.waiver_id].append(change)
            if change.kind == PublicChange.Kind.SUBMITTED:
                window.submitted.append(change)
        window.by_waiver = dict(by_waiver)
        return window


@dataclass
class _Group:
    """Subscriptions following the same thing, and the changes that concern it."""

    kind: str
    query: str
    waiver_id: int | None
    changes: list[Change]
    search: object = None  # the bound FilterSet, for describing the search

    def follows(self, window: _Window) -> str:
        if self.kind == Kind.WAIVER:
            waiver = window.waivers[self.waiver_id]
            return f"Waiver {waiver.public_id}: {waiver.title}"
        found = follow.labels(self.search) if self.search is not None else []
        return "; ".join(found) if found else "Every new waiver"


def _match(kind: str, query: str, waiver_id: int | None, low: int, window: _Window) -> _Group:
    if kind == Kind.WAIVER:
        found = [c for c in window.by_waiver.get(waiver_id, ()) if c.id > low]
        return _Group(kind, query, waiver_id, found)
    candidates = [c for c in window.submitted if c.id > low]
    if not candidates:
        return _Group(kind, query, waiver_id, [])
    search = follow.filterset(
        query,
        queryset=Waiver.objects.public().filter(pk__in=[c.waiver_id for c in candidates]),
    )
    if not search.is_valid():
        # E.g. an agency code since removed: never send more than was asked for.
        logger.warning("A followed search no longer validates and matches nothing: %s", query)
        return _Group(kind, query, waiver_id, [])
    matched = set(search.qs.order_by().values_list("pk", flat=True))
    return _Group(kind, query, waiver_id, [c for c in candidates if c.waiver_id in matched], search)


def _due(now, upto: int):
    return Subscription.objects.confirmed().filter(due_at__lte=now, watermark__lt=upto)


def _groups(now, window: _Window, report: Report) -> Iterator[tuple[_Group, list[int]]]:
    """Each thing followed by due subscriptions, with those subscriptions' ids."""
    rows = (
        _due(now, window.upto)
        .order_by("kind", "query", "waiver_id", "id")
        .values_list("kind", "query", "waiver_id", "id", "watermark")
        .iterator(chunk_size=5000)
    )
    for (kind, query, waiver_id), members in groupby(rows, key=lambda row: row[:3]):
        members = list(members)
        low = min(row[4] for row in members)
        group = _match(kind, query, waiver_id, low, window)
        if kind == Kind.SEARCH and group.changes:
            report.searches += 1
        yield group, [row[3] for row in members]


def _flush(batch: list[tuple[_Group, int]], window: _Window, now, report: Report) -> None:
    """Queue the messages of a batch of subscriptions and move their watermarks."""
    group_of = {pk: group for group, pk in batch}
    rendered: dict[tuple, messages.Message] = {}
    queued = []
    with transaction.atomic():
        subscriptions = list(
            _due(now, window.upto)
            .filter(pk__in=group_of)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("subscriber")
        )
        for subscription in subscriptions:
            group = group_of[subscription.pk]
            own = [
                change
                for change in group.changes
                if change.id > subscription.watermark and change.at >= subscription.confirmed_at
            ]
            if own:
                key = (id(group), tuple(change.id for change in own), subscription.frequency)
                if key not in rendered:
                    rendered[key] = messages.digest(
                        subscription, own, window.waivers, follows=group.follows(window)
                    )
                queued.append(
                    messages.personalise(rendered[key], subscription, subscription.subscriber.email)
                )
                subscription.last_sent_at = now
            subscription.watermark = window.upto
            subscription.due_at = schedule.next_due(subscription.frequency, now, sent=bool(own))
            subscription.updated_at = now
        enqueue_many(queued)
        Subscription.objects.bulk_update(
            subscriptions, ["watermark", "due_at", "last_sent_at", "updated_at"]
        )
    report.subscriptions += len(subscriptions)
    report.messages += len(queued)
    report.batches += 1


def send_alerts(*, now=None, batch_size: int = BATCH_SIZE, on_batch=None) -> Report:
    """One run (see the module docstring). `on_batch(report)` is called after
    each committed batch (progress output)."""
    started = time.monotonic()
    now = now or timezone.now()
    report = Report()
    report.collected = public_changes.collect()
    report.lapsed = services.lapse_unconfirmed(now=now)
    upto = public_changes.latest_id()
    low = _due(now, upto).aggregate(low=Min("watermark"))["low"]
    if low is not None:
        window = _Window.read(low, upto)
        batch: list[tuple[_Group, int]] = []
        for group, ids in _groups(now, window, report):
            for pk in ids:
                batch.append((group, pk))
                if len(batch) >= batch_size:
                    _flush(batch, window, now, report)
                    batch = []
                    if on_batch:
                        on_batch(report)
        if batch:
            _flush(batch, window, now, report)
            if on_batch:
                on_batch(report)
    public_changes.purge()
    report.seconds = time.monotonic() - started
    return report
