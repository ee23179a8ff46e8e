"""The alerts figure behind `manage.py bench_alerts` (docs/performance.md).

The daily `send_alerts` run at scale: `subscriptions` confirmed subscriptions
over the synthetic record, after `changes` public changes in a day.

1. The history of the generated record is older than every subscription, so
   the alerts' change cursor is moved past it (as on a site that has collected
   it for years); the benchmark's earlier subscribers, messages and collected
   changes are deleted.
2. Subscriptions are written in bulk, all confirmed and due now: searches
   (most of them; built from random public waivers' agency, NAICS prefix, PSC,
   type and the record's words, so they match what people would follow) and
   single waivers, some of which the day's changes touch.
3. The changes go through the services, as staff make them: new waivers
   posted, and MIAO determinations on waivers under review.
4. `manage.py send_alerts` runs in a fresh process: its wall time and its peak
   resident memory (the child's ru_maxrss) are the figure.
5. The floor, measured in the same run: reading every due subscription once
   and moving every watermark in one statement (rolled back), the least a run
   has to do in the database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max, Min
from django.http import QueryDict
from django.utils import timezone

from alerts import changes as public_changes
from alerts import follow
from alerts.models import ChangeCursor, PublicChange, Subscriber, Subscription
from devtools import synthetic
from devtools.bench import runner
from miao_site.connection_url import connection_url
from outbox.addresses import address_key
from outbox.models import OutboxMessage
from waivers import services
from waivers.models import Waiver, WaiverAuditEntry, WaiverStatusChange

ROOT = Path(__file__).resolve().parents[2]
TARGET_SECONDS = 600
TARGET_PEAK_MB = 300
EMAIL_DOMAIN = "bench-alerts.invalid"
BENCH_USER = "bench-alerts"
SEARCH_SHARE = 0.7  # of subscriptions; the rest follow one waiver
# Of the waiver follows, the share following a waiver the day's changes touch.
CHANGED_FOLLOW_SHARE = 0.1


@dataclass
class Options:
    subscriptions: int = 100_000
    changes: int = 1_000
    searches: int = 3_000
    seed: int = runner.BENCH_SEED
    log: object = print


def reset() -> None:
    """Forget the previous run's subscribers, messages and collected changes,
    and move the change cursor past the history written so far."""
    Subscriber.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()
    OutboxMessage.objects.filter(kind__startswith="alerts.").delete()
    PublicChange.objects.all().delete()
    ChangeCursor.objects.update_or_create(
        pk=1,
        defaults={
            "status_change_id": WaiverStatusChange.objects.aggregate(m=Max("id"))["m"] or 0,
            "audit_entry_id": WaiverAuditEntry.objects.aggregate(m=Max("id"))["m"] or 0,
        },
    )


def search_queries(rng: random.Random, count: int) -> list[str]:
    """Distinct followed searches drawn from random public waivers."""
    sample = list(
        Waiver.objects.public()
        .filter(pk__in=_random_ids(rng, count * 2))
        .values_list("contracting_agency__code", "naics__code", "psc__code", "waiver_type")
    )
    words = runner.keyword_pool(synthetic.build_profile(), count=24)
    queries: set[str] = set()
    for agency, naics, psc, waiver_type in sample:
        params = QueryDict(mutable=True)
        shape = rng.random()
        if shape < 0.3 and agency:
            params["agency"] = agency
        elif shape < 0.5 and naics:
            params["naics"] = naics[: rng.choice((2, 3, 4, 6))]
        elif shape < 0.65 and psc:
            params["psc"] = psc
        elif shape < 0.8:
            params["q"] = rng.choice(words)
        else:
            params["type"] = waiver_type
            if agency:
                params["agency"] = agency
        if rng.random() < 0.2:
            params["q"] = rng.choice(words)
        queries.add(follow.canonical_query(params))
        if len(queries) >= count:
            break
    return sorted(queries)


def _random_ids(rng: random.Random, count: int) -> list[int]:
    """Ids drawn evenly from the table's id range (generated rows are contiguous)."""
    bounds = Waiver.objects.aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return []
    return [rng.randint(bounds["low"], bounds["high"]) for _ in range(count)]


def subscribe(rng: random.Random, options: Options, changed: list[int], now) -> dict:
    """Write the subscriptions in bulk: confirmed a day ago, due now."""
    searches = search_queries(rng, options.searches)
    followed = list(
        Waiver.objects.public()
        .filter(pk__in=_random_ids(rng, options.subscriptions))
        .values_list("pk", flat=True)
    )
    watermark = public_changes.latest_id()
    confirmed = now - dt.timedelta(days=1)
    subscribers = Subscriber.objects.bulk_create(
        [
            Subscriber(
                email=f"reader{n}@{EMAIL_DOMAIN}",
                email_key=address_key(f"reader{n}@{EMAIL_DOMAIN}"),
            )
            for n in range(options.subscriptions)
        ],
        batch_size=5000,
    )
    rows = []
    frequencies = list(Subscription.Frequency.values)
    for n, subscriber in enumerate(subscribers):
        common = {
            "subscriber": subscriber,
            "frequency": rng.choice(frequencies),
            "confirmed_at": confirmed,
            "due_at": now - dt.timedelta(minutes=1),
            "watermark": watermark,
        }
        if rng.random() < SEARCH_SHARE or not followed:
            rows.append(Subscription(kind="search", query=searches[n % len(searches)], **common))
        else:
            pool = changed if changed and rng.random() < CHANGED_FOLLOW_SHARE else followed
            rows.append(Subscription(kind="waiver", waiver_id=rng.choice(pool), **common))
    Subscription.objects.bulk_create(rows, batch_size=5000)
    return {
        "subscriptions": len(rows),
        "search_subscriptions": sum(1 for row in rows if row.kind == "search"),
        "distinct_searches": len(searches),
    }


def make_changes(rng: random.Random, count: int, when) -> dict:
    """Half new waivers posted, half determinations, through the services."""
    actor, _ = get_user_model().objects.get_or_create(username=BENCH_USER)
    started = time.perf_counter()
    open_ids = list(
        Waiver.objects.public()
        .filter(status__in=Waiver.OPEN_STATUSES, pk__in=_random_ids(rng, count * 40))
        .values_list("pk", flat=True)[: count - count // 2]
    )
    templates = list(
        Waiver.objects.public()
        .filter(pk__in=_random_ids(rng, count * 4))
        .select_related("contracting_agency")[: count // 2]
    )
    posted = 0
    stamp = f"{timezone.now():%Y%m%d%H%M%S}"
    for template in templates:
        fields = {name: getattr(template, name) for name in services.CONTENT_FIELDS}
        fields["procurement_title"] = f"{template.procurement_title} (bench {posted})"
        # A synthetic source id: the database stays one the benchmarks accept.
        fields["source_id"] = f"{synthetic.SOURCE_PREFIX}-alerts-{stamp}-{posted}"
        with transaction.atomic():
            draft = services.create_draft(
                actor=actor, waiver_type=template.waiver_type, at=when, **fields
            )
            services.submit(draft, actor=actor, at=when, require_complete=False, notify=False)
        posted += 1
    determined = 0
    for pk in open_ids:
        waiver = Waiver.objects.get(pk=pk)
        with transaction.atomic():
            if waiver.status == Waiver.Status.SUBMITTED:
                waiver = services.start_review(waiver, actor=actor, at=when)
            services.record_determination(
                waiver,
                actor=actor,
                determination=Waiver.Determination.CONSISTENT,
                at=when,
                notify=False,
            )
        determined += 1
    return {
        "posted": posted,
        "determined": determined,
        "seconds": round(time.perf_counter() - started, 1),
        "changed_ids": open_ids,
    }


def run_send_alerts() -> dict:
    """One send_alerts run in a fresh process (devtools.bench.alerts_child):
    its report, wall time and peak memory."""
    env = {
        **os.environ,
        # DEBUG off, as in production: DEBUG keeps the last 9,000 statements.
        "DJANGO_SETTINGS_MODULE": "devtools.bench.settings",
        "DATABASE_URL": connection_url(),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - our interpreter, our module
        [sys.executable, "-m", "devtools.bench.alerts_child"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode:
        raise RuntimeError(f"send_alerts failed:\n{result.stderr[-2000:]}")
    return {**json.loads(result.stdout.strip().splitlines()[-1]), "wall_seconds": seconds}


def floor_seconds() -> float:
    """Read every due subscription and move every watermark, in one statement
    (rolled back): the least a run does in the database."""
    table = connection.ops.quote_name(Subscription._meta.db_table)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET watermark = watermark + 1 "  # noqa: S608 - table name
            "WHERE confirmed_at IS NOT NULL AND due_at <= now() RETURNING id, kind, query"
        )
        cursor.fetchall()
        transaction.set_rollback(True)
    return round(time.perf_counter() - started, 2)


def run(options: Options, *, force: bool = False) -> dict:
    log = options.log
    runner.check_database(force)
    rng = random.Random(options.seed)  # noqa: S311 - benchmark data, not security
    total = Waiver.objects.count()
    log(f"{total:,} waivers. Resetting the alerts tables...")
    reset()
    now = timezone.now()
    log(f"Making {options.changes:,} public changes through the services...")
    # The changes are dated in the last hour, after the subscriptions were
    # confirmed (a day ago), so every one of them counts.
    changed = make_changes(rng, options.changes, now - dt.timedelta(hours=1))
    log(
        f"  {changed['posted']} posted, {changed['determined']} determined "
        f"in {changed['seconds']} s"
    )
    log(f"Writing {options.subscriptions:,} confirmed subscriptions...")
    # The watermark of every subscription is the latest change already
    # collected (none of today's: collect() has not run since reset()).
    written = subscribe(rng, options, changed.pop("changed_ids"), now)
    log("Running send_alerts in a fresh process...")
    sent = run_send_alerts()
    messages = OutboxMessage.objects.filter(kind__startswith="alerts.").count()
    floor = floor_seconds()
    result = {
        "waivers": total,
        **written,
        "changes": changed,
        "collected": sent["collected"],
        "send_alerts_seconds": round(sent["wall_seconds"], 1),
        "send_alerts_run_seconds": round(sent["seconds"], 1),
        "send_alerts_peak_mb": round(sent["peak_rss_mb"], 1),
        "send_alerts_report": sent["text"],
        "messages_queued": messages,
        "floor_seconds": floor,
        "target_seconds": TARGET_SECONDS,
        "target_peak_mb": TARGET_PEAK_MB,
        "met": sent["wall_seconds"] <= TARGET_SECONDS and sent["peak_rss_mb"] <= TARGET_PEAK_MB,
        "database": settings.DATABASES["default"]["NAME"],
    }
    log(
        f"send_alerts: {result['send_alerts_seconds']} s in a fresh process (target <= "
        f"{TARGET_SECONDS} s), peak {result['send_alerts_peak_mb']} MB (target <= "
        f"{TARGET_PEAK_MB} MB), {messages:,} messages; floor {floor} s"
    )
    log(f"  {sent['text']}")
    return result
