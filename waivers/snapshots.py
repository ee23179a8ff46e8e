"""Figures too expensive to compute during a request: the scorecard, and the
pages of categories and agencies with many waivers.

A set of figures (`Figures`) has a name, a cache key under the data version
and a function that computes it. Requests read it with `read()`:

1. from the cache, as every other figure (waivers.caching);
2. else from its snapshot (FigureSnapshot), when that was computed from the
   current data version today;
3. else, when it covers at least `min_waivers()` waivers and has a snapshot
   from before the last change, that snapshot, with `as_of` set to when it
   was computed, so the page says so (never cached: the worker is bringing
   it up to date);
4. else computed now.

`refresh()` (`manage.py refresh_figures`, run by a worker after changes)
finds every set of figures that covers at least `min_waivers()` public
waivers and brings its snapshot up to date. On the published record (about
2,000 waivers) nothing reaches the threshold and every figure is computed
live, exactly as before; at a million waivers, a cold cache costs one
snapshot read instead of seconds of aggregation.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from waivers import caching
from waivers.models import FigureSnapshot


@dataclass(frozen=True)
class Figures:
    name: str  # the snapshot's name
    cache_key: str  # under the data version (caching.queryset_key)
    compute: Callable[[], dict] = field(compare=False)


def min_waivers() -> int:
    """Figures covering at least this many public waivers are precomputed."""
    return settings.FIGURE_SNAPSHOT_MIN_WAIVERS


def read(figures: Figures) -> dict:
    """The figures, with "as_of": None when they are current, else when the
    snapshot served was computed (see the module docstring)."""
    version = caching.data_version()
    if version.uncommitted:
        return {**figures.compute(), "as_of": None}
    value = cache.get(figures.cache_key)
    if value is not None:
        return {**value, "as_of": None}
    snapshot = FigureSnapshot.objects.filter(name=figures.name).first()
    if _served_stale(snapshot, version.number):
        return {**snapshot.figures, "as_of": snapshot.computed_at}
    if snapshot is not None and snapshot.is_current(version.number):
        value = snapshot.figures
    else:
        value = figures.compute()
    cache.set(figures.cache_key, value, caching.TTL)
    return {**value, "as_of": None}


def stale_as_of(name: str) -> dt.datetime | None:
    """When the snapshot that read() serves in place of the current figures
    `name` was computed; None when it serves current figures. One small
    query, for keys of what is made from the figures (a cached fragment)."""
    version = caching.data_version()
    if version.uncommitted:
        return None
    snapshot = (
        FigureSnapshot.objects.filter(name=name)
        .only("data_version", "computed_at", "waivers")
        .first()
    )
    return snapshot.computed_at if _served_stale(snapshot, version.number) else None


def _served_stale(snapshot: FigureSnapshot | None, version: int) -> bool:
    """A snapshot from before the last change or from an earlier day, served
    labelled instead of computing its figures during the request: only
    large ones."""
    return (
        snapshot is not None
        and not snapshot.is_current(version)
        and snapshot.waivers >= min_waivers()
    )


@dataclass
class Refreshed:
    name: str
    waivers: int
    seconds: float


@dataclass
class RefreshReport:
    refreshed: list[Refreshed] = field(default_factory=list)
    current: int = 0  # snapshots already up to date
    deleted: int = 0  # snapshots of figures now below the threshold
    skipped: bool = False  # another refresh was running

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.refreshed)

    def __str__(self) -> str:
        if self.skipped:
            return "skipped: another refresh is running"
        return (
            f"{len(self.refreshed)} refreshed in {self.seconds:.1f} s, {self.current} current, "
            f"{self.deleted} deleted"
        )


def targets() -> Iterator[tuple[Figures, int]]:
    """Every set of figures covering at least min_waivers() public waivers,
    with how many it covers (largest first within each kind)."""
    from waivers.selectors import categories, scorecard

    threshold = min_waivers()
    yield from scorecard.snapshot_targets(threshold)
    yield from categories.snapshot_targets(threshold)


# One refresh at a time (a session-level PostgreSQL advisory lock): runs that
# overlap, from cron or from several servers, skip instead of repeating work.
REFRESH_LOCK = 0x4D49414F01  # "MIAO" 1


def refresh(*, log: Callable[[str], object] | None = None) -> RefreshReport:
    """Bring every target's snapshot up to date and put its figures in the
    cache; delete the snapshots of figures that are no longer targets. Does
    nothing (report.skipped) while another refresh runs."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [REFRESH_LOCK])
        if not cursor.fetchone()[0]:
            return RefreshReport(skipped=True)
        try:
            return _refresh(log)
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [REFRESH_LOCK])


def _refresh(log) -> RefreshReport:
    report = RefreshReport()
    snapshots = {s.name: s for s in FigureSnapshot.objects.defer("figures_json")}
    names = set()
    for figures, waivers in targets():
        names.add(figures.name)
        version = caching.read_version()
        existing = snapshots.get(figures.name)
        if existing is not None and existing.is_current(version.number):
            report.current += 1
            continue
        started = time.perf_counter()
        value = figures.compute()
        seconds = time.perf_counter() - started
        FigureSnapshot.objects.update_or_create(
            name=figures.name,
            defaults={
                "data_version": version.number,
                "computed_at": timezone.now(),
                "seconds": seconds,
                "waivers": waivers,
                "figures_json": FigureSnapshot.encode(value),
            },
        )
        # The key names the version it was made under; a change during the
        # computation leaves the snapshot stale for the next pass instead.
        if caching.read_version().number == version.number:
            cache.set(figures.cache_key, value, caching.TTL)
        report.refreshed.append(Refreshed(figures.name, waivers, seconds))
        if log:
            log(f"  {figures.name}: {waivers:,} waivers, {seconds:.2f} s")
    report.deleted, _ = FigureSnapshot.objects.exclude(name__in=names).delete()
    return report
