"""Synthetic waivers for load tests and benchmarks (`manage.py generate_waivers`).

Where the numbers come from
---------------------------
`build_profile()` reads MIAO's published files (shared/data/miao/*.json) through
the importer (waivers.importers.miao.normalise_records: its spelling tables,
its agency look-up, its test-record detector) and the reference lists already
loaded into the database, at run time, and derives:

* contracting agency: the published sub-tier codes with their frequencies
  (90 %), plus a uniform tail over every sub-tier agency in the reference list
  (10 %) so that a large data set touches most agencies; funding agency equal
  to the contracting agency as often as in the published record;
* NAICS and PSC: the published (NAICS, PSC) pairs with their frequencies
  (80 %), plus independent uniform tails over the NAICS list and the
  non-retired four-character PSC codes (20 %);
* procurement stage, coverage, expected duration, sources sought, price
  preference announced: the published frequencies, as the importer reads them;
* PIIDs per waiver, presence of a solicitation ID, countries of origin and
  their number: the published frequencies;
* text lengths (title, summary, rationale, in words): sampled from the
  published lengths; words drawn from the vocabulary of the published texts
  with its frequencies, so full-text search sees realistic term statistics;
* submission weekday and hour: the published `created` timestamps;
* review time (submission to determination): the published created→modified
  days of reviewed waivers (median ~4 days, 90th percentile ~10);
* OMB determinations: the published frequencies among reviewed waivers.

What the published record cannot tell (it holds only usable nonavailability
waivers; the urgent-report file is test data; there is no field for final
decisions, withdrawals or drafts) is set by the `ASSUMED_*` constants below.
Dates run uniformly from the start of the published record (Nov 2021) to a
fixed anchor date, so a seed always gives the same rows; a waiver whose
sampled review would end after the anchor is still open.

Determinism: row n of seed S depends only on (S, n): rows are generated in
blocks of `BLOCK_SIZE` from a generator seeded with (S, block). Public ids are
a bijection of (S, n), written by the domain's encoder
(waivers.models.waiver.public_id_from_number), so they never collide between
synthetic rows. Synthetic rows carry source_id `synthetic-<seed>-<n>`.

What the generator takes from the domain rather than restating: the
TextChoices of every status and choice field; each status change is a
transition of waivers.services whose allowed source states
(waivers.workflow.ACTIONS) it checks; the review due date (waivers.business_days);
which types carry a detail row and the procurement fields, and the Jones Act
length limit (waivers.validation); the search vector's parts
(waivers.search, see `TextPart`).
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import queue
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from agencies.models import Agency
from miao_site.importing import UnreadableFile
from waivers.business_days import review_due_date
from waivers.importers.miao import Normalised, SourceRecord, normalise_records, read_source
from waivers.models import (
    JonesActDetail,
    NaicsCode,
    PricePreference,
    PscCode,
    UrgentReport,
    Waiver,
    WaiverStatusChange,
)
from waivers.models.waiver import PUBLIC_ID_BITS, public_id_from_number
from waivers.search import SEARCH_VECTOR_PARTS, SEARCH_VECTOR_SQL
from waivers.validation import JONES_ACT_MAX_DAYS, REQUIRED_DETAIL, required_fields
from waivers.workflow import ACTIONS

Status = Waiver.Status
Determination = Waiver.Determination

BLOCK_SIZE = 10_000
SOURCE_PREFIX = "synthetic"
RECORD_START = dt.date(2021, 11, 1)  # first published MIAO waiver
DEFAULT_ANCHOR = dt.date(2026, 11, 1)  # fixed, so a seed always gives the same rows
MAX_SEED = 2**16 - 1
MAX_ROWS = 2**24  # rows per seed (public ids are a bijection of (seed, n))

# --- assumptions (not derivable from the published record) -----------------------
ASSUMED_TYPE_SHARES = {
    Waiver.Type.NONAVAILABILITY: 0.88,
    Waiver.Type.URGENT_REPORT: 0.04,
    Waiver.Type.UNREASONABLE_COST: 0.04,
    Waiver.Type.PUBLIC_INTEREST: 0.02,
    Waiver.Type.JONES_ACT: 0.02,
}
ASSUMED_DRAFT_SHARE = 0.02  # drafts are never published, so never in the record
ASSUMED_TEST_RECORD_SHARE = 0.01
ASSUMED_WITHDRAWN_SHARE = 0.02
ASSUMED_REVIEW_WAIVED_SHARE = 0.03
ASSUMED_DECISION_RECORDED_SHARE = 0.7  # of reviewed waivers whose decision is due
ASSUMED_IN_REVIEW_STEP_SHARE = 0.6  # reviews that pass through "in review" first
# Urgent reports come after award: MIAO reviews few of them, and there is no
# final decision to record (the published urgent file is test data).
ASSUMED_URGENT_REVIEWED_SHARE = 0.2
AGENCY_TAIL_SHARE = 0.10
CODE_TAIL_SHARE = 0.20

_SLOTS_BITS = 16
_STREAM_WORDS = 1 << 18
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*[A-Za-z0-9]|[A-Za-z]")
# The published files the profile reads (the CSV download repeats the first).
PUBLISHED_FILES = ("waivers-data.json", "urgent-waivers-data.json")
# FPDS code of the Department of Defense, whose price evaluation differs (DFARS).
_DEFENSE_DEPARTMENT = "097"

_CARGO = (
    "crude oil",
    "refined petroleum products",
    "liquefied natural gas",
    "diesel fuel",
    "jet fuel",
    "grain",
    "steel coils",
    "ammonia",
    "heavy-lift project cargo",
)
_PORTS = (
    "Houston, TX",
    "Corpus Christi, TX",
    "New Orleans, LA",
    "Baltimore, MD",
    "Philadelphia, PA",
    "New York, NY",
    "Boston, MA",
    "San Juan, PR",
    "Honolulu, HI",
    "Long Beach, CA",
    "Seattle, WA",
    "Anchorage, AK",
    "Savannah, GA",
    "Tampa, FL",
)
_SECRETARY_OF_DEFENSE = "Secretary of Defense"  # a §501(a) request
_REQUESTERS = (
    _SECRETARY_OF_DEFENSE,
    "Department of Energy",
    "Department of Homeland Security",
    "Federal Emergency Management Agency",
    "Commonwealth of Puerto Rico",
)


def _below(rng: random.Random, k: int) -> int:
    """A uniform integer in [0, k): faster than randrange, which dominates otherwise."""
    return int(rng.random() * k)


def _between(rng: random.Random, lo: int, hi: int) -> int:
    """A uniform integer in [lo, hi)."""
    return lo + int(rng.random() * (hi - lo))


def _choice(rng: random.Random, seq: Sequence):
    return seq[int(rng.random() * len(seq))]


class Table:
    """A discrete distribution sampled in O(1): 65,536 slots filled in
    proportion to the weights (values whose weight rounds to no slot still
    appear through the cumulative walk)."""

    def __init__(self, weights: Mapping | Sequence[tuple]):
        items = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        items = [(value, float(w)) for value, w in items if w > 0]
        if not items:
            raise ValueError("a distribution needs at least one value with a positive weight")
        total = sum(w for _, w in items)
        cumulative, running = [], 0.0
        for _, w in items:
            running += w / total
            cumulative.append(running)
        size = 1 << _SLOTS_BITS
        self.values = [value for value, _ in items]
        self.weights = {value: w / total for value, w in items}
        self.slots = [
            self.values[min(bisect.bisect_right(cumulative, (i + 0.5) / size), len(items) - 1)]
            for i in range(size)
        ]

    def pick(self, rng: random.Random):
        return self.slots[rng.getrandbits(_SLOTS_BITS)]


@dataclass
class Profile:
    """Distributions derived from the published record and the reference lists."""

    agencies: Table
    agency_department: dict[int, str]
    same_funding_share: float
    code_pairs: Table
    naics_tail: list[str]
    psc_tail: list[str]
    stage: Table
    coverage: Table
    duration: Table
    sources_sought: Table
    price_preference: Table
    piid_count: Table
    solicitation_share: float
    country_count: Table
    countries: Table
    title_words: Table
    summary_words: Table
    rationale_words: Table
    weekday: Table
    hour: Table
    review_days: Table
    determination: Table
    vocabulary: Table
    # The search-vector part built in Python (None: all left to SQL), and per
    # word (its (quoted lexeme, position) pairs, positions it takes), read
    # from PostgreSQL's own to_tsvector.
    text_part: TextPart | None = None
    lexicon: dict[str, tuple[tuple[tuple[str, int], ...], int]] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)


def published_records(miao_dir: Path | None = None) -> list[tuple[SourceRecord, Normalised]]:
    """MIAO's published records as the importer reads them (its spelling
    tables, its agency look-up, the later of two copies of a record), leaving
    out what it would reject and what its test-record detector flags."""
    miao_dir = miao_dir or Path(settings.SHARED_DATA_DIR) / "miao"
    try:
        sources = [read_source(miao_dir / name) for name in PUBLISHED_FILES]
    except UnreadableFile as exc:
        raise ValueError(str(exc)) from exc
    records = {
        normalised.source_id: (record, normalised)
        for source in sources
        for record, normalised in normalise_records(source.records)
    }
    return [(r, n) for r, n in records.values() if n.test_reason is None]


def build_profile(miao_dir: Path | None = None) -> Profile:
    """Derive every distribution from the published files and the database's
    reference lists (which `load_reference` must have loaded)."""
    subtiers = list(Agency.objects.subtiers().values_list("id", flat=True))
    if not subtiers:
        raise ValueError("no agencies in the database: run `manage.py load_reference` first")
    records = [normalised for _, normalised in published_records(miao_dir)]
    if not records:
        raise ValueError(f"no usable published records in {miao_dir or 'shared/data/miao'}")
    departments = dict(Agency.objects.subtiers().values_list("id", "parent__code"))
    naics_all = sorted(NaicsCode.objects.filter(in_reference=True).values_list("code", flat=True))
    psc_all = sorted(
        PscCode.objects.filter(
            in_reference=True, end_date__isnull=True, code__regex=r"^.{4}$"
        ).values_list("code", flat=True)
    )
    naics_known, psc_known = set(naics_all), set(psc_all)
    fields = [n.fields for n in records]

    agency_counts = Counter(n.contracting_agency.pk for n in records)
    agency_weights: Counter = Counter()
    for agency_id, count in agency_counts.items():
        agency_weights[agency_id] += (1 - AGENCY_TAIL_SHARE) * count / len(records)
    for agency_id in subtiers:
        agency_weights[agency_id] += AGENCY_TAIL_SHARE / len(subtiers)
    same_funding = sum(
        1 for n in records if n.fields["funding_agency_id"] in (None, n.contracting_agency.pk)
    ) / len(records)

    pairs = Counter()
    for n in records:
        naics = n.naics[0] if n.naics else None
        psc = n.psc[0] if n.psc else None
        pairs[(naics if naics in naics_known else None, psc if psc in psc_known else None)] += 1
    pair_weights = {pair: (1 - CODE_TAIL_SHARE) * c / len(records) for pair, c in pairs.items()}
    pair_weights[("tail", "tail")] = CODE_TAIL_SHARE

    def table(name: str) -> Table:
        return Table(Counter(f[name] for f in fields))

    def lengths(name: str) -> Table:
        return Table(Counter(max(1, len(f[name].split())) for f in fields))

    words = Counter()
    for f in fields:
        for name in ("procurement_title", "summary", "rationale"):
            words.update(_WORD.findall(f[name]))

    review_days, weekdays, hours, determinations = Counter(), Counter(), Counter(), Counter()
    for n in records:
        weekdays[n.created.weekday()] += 1
        hours[n.created.hour] += 1
        if n.request_status == Status.REVIEWED and n.modified > n.created:
            review_days[round((n.modified - n.created).total_seconds() / 86400, 2)] += 1
        if n.request_status == Status.REVIEWED and n.determination:
            determinations[Determination(n.determination)] += 1

    text_part = python_text_part()
    profile = Profile(
        agencies=Table(agency_weights),
        agency_department=departments,
        same_funding_share=same_funding,
        code_pairs=Table(pair_weights),
        naics_tail=naics_all,
        psc_tail=psc_all,
        stage=table("procurement_stage"),
        coverage=table("coverage"),
        duration=table("expected_duration"),
        sources_sought=table("sources_sought"),
        price_preference=table("price_preference_included"),
        piid_count=Table(Counter(len(f["piids"]) for f in fields)),
        solicitation_share=sum(1 for f in fields if f["solicitation_id"]) / len(fields),
        country_count=Table(Counter(len(f["countries"]) for f in fields)),
        countries=Table(Counter(c for f in fields for c in f["countries"]) or {"CN": 1}),
        title_words=lengths("procurement_title"),
        summary_words=lengths("summary"),
        rationale_words=lengths("rationale"),
        weekday=Table(weekdays),
        hour=Table(hours),
        review_days=Table(review_days or {4: 1}),
        determination=Table(determinations or {Determination.CONSISTENT: 1}),
        vocabulary=Table(words),
        text_part=text_part,
        lexicon=text_lexicon(list(words), text_part.config) if text_part else {},
    )
    profile.summary = {
        "published_records_used": len(records),
        "agencies_in_record": len(agency_counts),
        "code_pairs_in_record": len(pairs),
        "vocabulary_words": len(words),
        "review_days_samples": sum(review_days.values()),
        "determinations": {str(d): c for d, c in determinations.items()},
    }
    return profile


# --- the search vector's free-text part, built in Python ------------------------------
#
# One part of waivers.search.SEARCH_VECTOR_PARTS may be a weighted
# to_tsvector of free-text columns that the generator fills from its word
# stream. Its configuration, columns and weight are read from that shared
# expression; if no part has that shape, every part is left to SQL.
_TEXT_PART_SHAPE = re.compile(
    r"setweight\(to_tsvector\('(?P<config>\w+)', "
    r"concat_ws\(' ', (?P<columns>w\.\w+(?:, w\.\w+)*)\)\), '(?P<weight>[A-D])'\)"
)
_STREAMED_COLUMNS = frozenset({"procurement_title", "summary", "rationale"})
_MAX_POSITION = 16383  # PostgreSQL clamps tsvector positions here...
_MAX_POSITIONS_PER_LEXEME = 255  # ...and to_tsvector keeps this many per lexeme
_SENTINEL = "qqzsentinelzqq"


@dataclass(frozen=True)
class TextPart:
    """A search-vector part the generator builds in Python."""

    name: str  # its key in SEARCH_VECTOR_PARTS
    config: str  # the text search configuration
    columns: tuple[str, ...]  # joined by spaces, in this order
    weight: str


def python_text_part() -> TextPart | None:
    """The part of the shared search vector that the generator can build in
    Python, read from its SQL; None when there is none."""
    for name, expression in SEARCH_VECTOR_PARTS.items():
        match = _TEXT_PART_SHAPE.fullmatch(" ".join(expression.split()))
        if match is None:
            continue
        columns = tuple(c.removeprefix("w.") for c in match["columns"].split(", "))
        if set(columns) <= _STREAMED_COLUMNS:
            return TextPart(name, match["config"], columns, match["weight"])
    return None


def text_lexicon(
    words: list[str], config: str
) -> dict[str, tuple[tuple[tuple[str, int], ...], int]]:
    """What PostgreSQL's to_tsvector(config, ...) makes of each vocabulary
    word on its own: its lexemes with their positions, and how many positions
    the word takes (stop words take one and leave no lexeme; a hyphenated word
    takes one for itself and one for each part). The parser splits at spaces,
    so the vector of words joined by spaces is these, positions shifted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.word, v.lexeme, v.positions FROM unnest(%s::text[]) AS u(word) "
            "CROSS JOIN LATERAL unnest(to_tsvector(%s::regconfig, u.word)) AS v",
            [words, config],
        )
        entries: dict[str, list[tuple[str, int]]] = {}
        for word, lexeme, positions in cursor.fetchall():
            quoted = "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
            entries.setdefault(word, []).extend((quoted, p) for p in positions)
        # Positions a word takes: where a sentinel word placed after it lands
        # (its last position, so a word sharing its lexeme changes nothing).
        cursor.execute(
            "SELECT u.word, (SELECT max(p) FROM unnest(to_tsvector(%s::regconfig, "
            "u.word || ' ' || %s)) AS v, unnest(v.positions) AS p "
            "WHERE v.lexeme = (SELECT lexeme FROM unnest(to_tsvector(%s::regconfig, %s)))) - 1 "
            "FROM unnest(%s::text[]) AS u(word)",
            [config, _SENTINEL, config, _SENTINEL, words],
        )
        taken = dict(cursor.fetchall())
    if None in taken.values():
        raise ValueError(f"to_tsvector({config!r}) gives the sentinel {_SENTINEL!r} no lexeme")
    return {
        word: (tuple(sorted(entries.get(word, ()), key=lambda e: e[1])), taken[word])
        for word in words
    }


def public_id_for(seed: int, n: int) -> str:
    """The public id of row n of a seed: an invertible mix of the 40 bits
    (seed, n), encoded as every public id is, so distinct synthetic rows never
    share one."""
    mask = (1 << PUBLIC_ID_BITS) - 1
    x = ((seed << 24) | n) & mask
    x ^= x >> 21
    x = (x * 0x9E3779B97F) & mask
    x ^= x >> 17
    x = (x * 0xC2B2AE3D27) & mask
    x ^= x >> 19
    return public_id_from_number(x)


def source_id_for(seed: int, n: int) -> str:
    return f"{SOURCE_PREFIX}-{seed}-{n}"


class _Texts:
    """A long stream of words drawn from the vocabulary; a text of L words is a
    slice of it at a random offset (fast, and word statistics stay those of
    the published record). With a lexicon, the stream also knows each word's
    lexemes and positions, so the search vector of a slice is a slice too."""

    def __init__(
        self, vocabulary: Table, rng: random.Random, lexicon: Mapping[str, tuple] | None = None
    ):
        words = [vocabulary.pick(rng) for _ in range(_STREAM_WORDS)]
        self.stream = " ".join(words) + " "
        self.starts = []
        position = 0
        for word in words:
            self.starts.append(position)
            position += len(word) + 1
        self.starts.append(position)
        self.lexemes: list[str] = []  # every word's lexemes, in stream order
        self.positions: list[int] = []  # their positions counted from the stream start
        self.first_lexeme: list[int] = []  # per word: its first index in those lists
        self.taken: list[int] = []  # per word: positions taken by the words before it
        if lexicon:
            position = 0
            for word in words:
                self.first_lexeme.append(len(self.lexemes))
                self.taken.append(position)
                pairs, taken = lexicon[word]
                for lexeme, relative in pairs:
                    self.lexemes.append(lexeme)
                    self.positions.append(position + relative)
                position += taken
            self.first_lexeme.append(len(self.lexemes))
            self.taken.append(position)

    def take(self, rng: random.Random, length: int) -> tuple[int, int]:
        """A random slice of `length` words, as (first word, length)."""
        length = min(length, _STREAM_WORDS - 1)
        return _below(rng, _STREAM_WORDS - length), length

    def text(self, piece: tuple[int, int]) -> str:
        start, length = piece
        return self.stream[self.starts[start] : self.starts[start + length] - 1]

    def vector(self, pieces: Sequence[tuple[int, int]], weight: str) -> str | None:
        """The tsvector (input syntax) PostgreSQL's to_tsvector('english') gives
        for the pieces joined by spaces, every position weighted `weight`; None
        without a lexicon, or where PostgreSQL's limits on positions would
        apply (left to SQL, which applies them itself)."""
        if not self.lexemes:
            return None
        out: list[str] = []
        offset = 0
        for start, length in pieces:
            a, b = self.first_lexeme[start], self.first_lexeme[start + length]
            shift = self.taken[start] - offset
            out += [
                f"{lexeme}:{position - shift}{weight}"
                for lexeme, position in zip(self.lexemes[a:b], self.positions[a:b], strict=True)
            ]
            offset += self.taken[start + length] - self.taken[start]
        if offset > _MAX_POSITION or (
            len(out) > _MAX_POSITIONS_PER_LEXEME
            and max(Counter(entry.rsplit(":", 1)[0] for entry in out).values())
            > _MAX_POSITIONS_PER_LEXEME
        ):
            return None
        return " ".join(out)


@dataclass
class Block:
    """Rows of one block, as dicts keyed by column name (plus `_n`)."""

    waivers: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    details: dict[type, list[dict]] = field(default_factory=dict)


# The detail row each type carries (waivers.validation.REQUIRED_DETAIL), and
# the types that carry the procurement fields (stage, coverage, duration...).
_DETAIL_MODEL = {
    waiver_type: Waiver._meta.get_field(related_name).related_model
    for waiver_type, (related_name, _) in REQUIRED_DETAIL.items()
}
_PROCUREMENT_TYPES = frozenset(t for t in Waiver.Type if "procurement_stage" in required_fields(t))
# Urgency answers that come with an explanation.
_EXPLAINED_URGENCY = (
    UrgentReport.UrgencyContributed.YES,
    UrgentReport.UrgencyContributed.UNCERTAIN,
)
# Each lifecycle step is a transition of waivers.services, named as there,
# and leads to this state; its allowed source states are those of
# waivers.workflow.ACTIONS, checked as each row moves.
_STEP_TARGETS = {
    "submit": Status.SUBMITTED,
    "start_review": Status.IN_REVIEW,
    "record_determination": Status.REVIEWED,
    "waive_review": Status.REVIEW_WAIVED,
    "record_final_decision": Status.DECIDED,
    "withdraw": Status.WITHDRAWN,
}
# The Jones Act decision that follows the agency's final decision.
_JONES_ACT_DECISION = {
    Waiver.FinalDecision.GRANTED: JonesActDetail.Decision.GRANTED,
    Waiver.FinalDecision.NOT_GRANTED: JonesActDetail.Decision.DENIED,
}


class Generator:
    def __init__(self, profile: Profile, seed: int, anchor: dt.date = DEFAULT_ANCHOR):
        if not 0 <= seed <= MAX_SEED:
            raise ValueError(f"seed must be between 0 and {MAX_SEED}")
        self.profile = profile
        self.seed = seed
        self.texts = _Texts(profile.vocabulary, random.Random(f"texts:{seed}"), profile.lexicon)
        self.text_part = profile.text_part if profile.lexicon else None
        # The zone timezone.localdate() uses (the site's TIME_ZONE), looked
        # up once: this thread activates no other.
        self.tz = timezone.get_default_timezone()
        self.anchor = dt.datetime.combine(anchor, dt.time(23, 59), tzinfo=dt.UTC)
        span = (anchor - RECORD_START).days
        weekday = dict.fromkeys(range(7), 0.1) | profile.weekday.weights
        self.days = Table(
            (
                RECORD_START + dt.timedelta(days=i),
                weekday[(RECORD_START + dt.timedelta(days=i)).weekday()],
            )
            for i in range(span)
        )

    @lru_cache(maxsize=8192)  # noqa: B019 - one generator per command run
    def _due(self, day: dt.date) -> dt.date:
        return review_due_date(day)

    def _local_date(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.tz).date()

    def block(self, index: int, stop: int | None = None) -> Block:
        """The rows of block `index` (rows index*BLOCK_SIZE onwards, up to `stop`
        or the end of the block), without ids."""
        rng = random.Random((self.seed << 32) | index)
        block = Block()
        start = index * BLOCK_SIZE
        stop = start + BLOCK_SIZE if stop is None else min(stop, start + BLOCK_SIZE)
        for n in range(start, stop):
            self._row(rng, n, block)
        return block

    def _text(self, rng, length: int, pieces: dict | None = None, column: str = "") -> str:
        piece = self.texts.take(rng, length)
        if pieces is not None:
            pieces[column] = piece
        text = self.texts.text(piece)
        return text[:1].upper() + text[1:]

    def _row(self, rng: random.Random, n: int, block: Block) -> None:
        p = self.profile
        wtype = _TYPES.pick(rng)
        agency = p.agencies.pick(rng)
        funding = agency if rng.random() < p.same_funding_share else p.agencies.pick(rng)
        naics, psc = p.code_pairs.pick(rng)
        if naics == "tail":
            naics = p.naics_tail[_below(rng, len(p.naics_tail))]
            psc = p.psc_tail[_below(rng, len(p.psc_tail))]
        day = self.days.pick(rng)
        submitted = dt.datetime(
            day.year,
            day.month,
            day.day,
            p.hour.pick(rng),
            _below(rng, 60),
            _below(rng, 60),
            tzinfo=dt.UTC,
        )
        created = submitted - dt.timedelta(hours=_between(rng, 1, 240))
        procurement = wtype in _PROCUREMENT_TYPES
        piids = [
            f"{_choice(rng, 'NW')}{_between(rng, 10000, 99999)}{day.year % 100:02d}"
            f"{_choice(rng, 'CDFP')}{_between(rng, 1000, 9999)}"
            for _ in range(p.piid_count.pick(rng))
        ]
        countries = sorted({p.countries.pick(rng) for _ in range(p.country_count.pick(rng))})
        pieces: dict[str, tuple[int, int]] = {}
        row = {
            "_n": n,
            "created_at": created,
            "updated_at": created,
            "public_id": public_id_for(self.seed, n),
            "source_id": source_id_for(self.seed, n),
            "waiver_type": wtype,
            "is_test_record": rng.random() < ASSUMED_TEST_RECORD_SHARE,
            "status": Status.DRAFT,
            "submitted_at": None,
            "review_due_date": None,
            "determination": "",
            "determination_conditions": "",
            "determination_explanation": "",
            "determined_at": None,
            "final_decision": "",
            "final_decision_date": None,
            "withdrawn_at": None,
            "contracting_agency_id": agency,
            "funding_agency_id": funding,
            "naics_id": naics,
            "psc_id": psc,
            "procurement_title": self._text(
                rng, p.title_words.pick(rng), pieces, "procurement_title"
            ),
            "summary": self._text(rng, p.summary_words.pick(rng), pieces, "summary"),
            "rationale": self._text(rng, p.rationale_words.pick(rng), pieces, "rationale"),
            "procurement_stage": p.stage.pick(rng) if procurement else "",
            "coverage": p.coverage.pick(rng) if procurement else "",
            "expected_duration": p.duration.pick(rng) if procurement else "",
            "sources_sought": p.sources_sought.pick(rng) if procurement else None,
            "price_preference_included": p.price_preference.pick(rng) if procurement else None,
            "piids": piids,
            "solicitation_id": (
                f"{_choice(rng, 'NW')}{_between(rng, 10000, 99999)}"
                f"{day.year % 100:02d}Q{_between(rng, 1000, 9999)}"
                if rng.random() < p.solicitation_share
                else ""
            ),
            "countries": countries,
        }
        # The search-vector part built in Python (see TextPart); the rest is
        # computed by PostgreSQL when the row is inserted.
        part = self.text_part
        row["search_vector"] = (
            self.texts.vector([pieces[c] for c in part.columns], part.weight) if part else None
        )
        history = [("", Status.DRAFT, created)]
        if rng.random() >= ASSUMED_DRAFT_SHARE:
            self._lifecycle(rng, row, history, submitted, wtype)
        row["updated_at"] = history[-1][2]
        block.waivers.append(row)
        block.history.extend(
            {"_n": n, "from_status": a, "to_status": b, "at": at, "note": "", "actor_id": None}
            for a, b, at in history
        )
        self._details(rng, row, wtype, block)

    @staticmethod
    def _move(row: dict, history: list, action: str, at: dt.datetime, **fields) -> None:
        """The transition of waivers.services named `action`, from a state it allows."""
        if row["status"] not in ACTIONS[action].statuses:
            raise ValueError(f"{action} cannot start from {row['status']}")
        to = _STEP_TARGETS[action]
        history.append((row["status"], to, at))
        row.update(status=to, **fields)

    def _lifecycle(self, rng, row: dict, history: list, submitted: dt.datetime, wtype) -> None:
        """Move the row through the lifecycle as far as its dates allow by the
        anchor date, appending history rows consistent with each state."""
        p = self.profile
        if submitted > self.anchor:
            return
        urgent = wtype == Waiver.Type.URGENT_REPORT
        self._move(
            row,
            history,
            "submit",
            submitted,
            submitted_at=submitted,
            review_due_date=None if urgent else self._due(self._local_date(submitted)),
        )
        if rng.random() < ASSUMED_WITHDRAWN_SHARE * 0.7:
            self._withdraw(rng, row, history)
            return
        if urgent and rng.random() >= ASSUMED_URGENT_REVIEWED_SHARE:
            return
        reviewed = submitted + dt.timedelta(days=p.review_days.pick(rng) + rng.random() * 0.2)
        if rng.random() < ASSUMED_IN_REVIEW_STEP_SHARE:
            started = submitted + (reviewed - submitted) * rng.random() * 0.5
            if started > self.anchor:
                return
            self._move(row, history, "start_review", started)
        if reviewed > self.anchor:
            return
        if rng.random() < ASSUMED_REVIEW_WAIVED_SHARE:
            self._move(row, history, "waive_review", reviewed)
        else:
            determination = p.determination.pick(rng)
            texts = {}
            if determination == Determination.CONDITIONALLY_CONSISTENT:
                texts["determination_conditions"] = self._text(rng, _between(rng, 8, 40))
            elif determination == Determination.INCONSISTENT:
                texts["determination_explanation"] = self._text(rng, _between(rng, 15, 60))
            self._move(
                row,
                history,
                "record_determination",
                reviewed,
                determination=determination,
                determined_at=reviewed,
                **texts,
            )
        decided = reviewed + dt.timedelta(days=_between(rng, 1, 45), hours=_below(rng, 24))
        if not urgent and decided <= self.anchor and rng.random() < ASSUMED_DECISION_RECORDED_SHARE:
            granted = (
                (rng.random() < 0.95)
                if row["determination"] != Determination.INCONSISTENT
                else (rng.random() < 0.2)
            )
            self._move(
                row,
                history,
                "record_final_decision",
                decided,
                final_decision=(
                    Waiver.FinalDecision.GRANTED if granted else Waiver.FinalDecision.NOT_GRANTED
                ),
                final_decision_date=self._local_date(decided),
            )
        if rng.random() < ASSUMED_WITHDRAWN_SHARE * 0.3:
            self._withdraw(rng, row, history)

    def _withdraw(self, rng, row: dict, history: list) -> None:
        at = history[-1][2] + dt.timedelta(days=_between(rng, 1, 30), hours=_below(rng, 24))
        if at <= self.anchor:
            self._move(row, history, "withdraw", at, withdrawn_at=at)

    def _details(self, rng, row: dict, wtype, block: Block) -> None:
        model = _DETAIL_MODEL.get(wtype)
        if model is None:
            return
        n, created = row["_n"], row["created_at"]
        values = {"_n": n, "created_at": created, "updated_at": row["updated_at"]}
        if model is UrgentReport:
            contributed = _choice(rng, (*UrgentReport.UrgencyContributed, ""))
            explained = contributed in _EXPLAINED_URGENCY
            signed = (row["submitted_at"] or created) - dt.timedelta(days=_between(rng, 1, 60))
            values.update(
                contract_number=(row["piids"] or [f"C{n:09d}"])[0],
                contract_signed_date=self._local_date(signed),
                urgency_contributed=contributed,
                urgency_explanation=self._text(rng, _between(rng, 10, 60)) if explained else "",
                mission_impact=self._text(rng, _between(rng, 10, 80)),
            )
        elif model is PricePreference:
            foreign = Decimal(int(10 ** (4 + rng.random() * 2.7))).quantize(Decimal("1.00"))
            domestic = (foreign * Decimal(1 + rng.random() * 0.8)).quantize(Decimal("1.00"))
            department = self.profile.agency_department.get(row["contracting_agency_id"])
            values.update(
                lowest_foreign_offer=foreign,
                lowest_domestic_offer=domestic,
                domestic_business_size=_choice(rng, tuple(PricePreference.BusinessSize)),
                is_dod=department == _DEFENSE_DEPARTMENT,
            )
        elif model is JonesActDetail:
            values.update(self._jones_act(rng, row, created))
        block.details.setdefault(model, []).append(values)

    def _jones_act(self, rng, row: dict, created: dt.datetime) -> dict:
        received = row["submitted_at"] or created
        window_start = self._local_date(received) + dt.timedelta(days=_between(rng, 3, 20))
        requester = _choice(rng, _REQUESTERS)
        decision = _JONES_ACT_DECISION.get(row["final_decision"], "")
        decided_at = (
            dt.datetime.combine(row["final_decision_date"], dt.time(15), tzinfo=dt.UTC)
            if decision
            else None
        )
        granted = decision == JonesActDetail.Decision.GRANTED
        return {
            "authority": JonesActDetail.Authority.SECDEF
            if requester == _SECRETARY_OF_DEFENSE
            else JonesActDetail.Authority.OTHER,
            "requester": requester,
            "received_at": received,
            "published_at": received + dt.timedelta(hours=_between(rng, 1, 24)),
            "vessel_name": self._text(rng, 2).upper()[:200],
            "vessel_number": f"IMO {_between(rng, 9000000, 9999999)}",
            "vessel_flag": self.profile.countries.pick(rng),
            "vessel_owner": self._text(rng, 3).title(),
            "vessel_operator": "",
            "laden_at_request": False,
            "cargo_type": _choice(rng, _CARGO),
            "cargo_quantity": f"{_between(rng, 10, 900) * 1000} barrels",
            "load_port": _choice(rng, _PORTS),
            "discharge_port": _choice(rng, _PORTS),
            "window_start": window_start,
            "window_end": window_start + dt.timedelta(days=_between(rng, 0, 10)),
            "marad_determination_date": None,
            "marad_finding": "",
            "marad_actions": "",
            "decision": decision,
            "decided_at": decided_at,
            "terms": self._text(rng, 20) if granted else "",
            "valid_days": _between(rng, 1, JONES_ACT_MAX_DAYS + 1) if granted else None,
            "extension_days": 0,
            "denial_reasons": self._text(rng, 25)
            if decision == JonesActDetail.Decision.DENIED
            else "",
            "voyage_report_received_at": None,
            "voyage_report_published_at": None,
        }


_TYPES = Table(ASSUMED_TYPE_SHARES)


# --- writing -------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, list):
        return "{" + ",".join('"' + str(v).replace('"', "") + '"' for v in value) + "}"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _columns(model: type[models.Model], include_pk: bool) -> list[tuple[str, models.Field]]:
    """The columns written: generated ones (Waiver.expires) are the database's."""
    return [
        (f.column, f)
        for f in model._meta.concrete_fields
        if (include_pk or not f.primary_key) and not f.generated
    ]


def _copy_payload(
    model: type[models.Model], rows: list[dict], *, include_pk: bool
) -> tuple[str, bytes]:
    """The column list and COPY text of `rows`. Columns this generator does not
    know (added to the model later) get their field default, so it keeps
    working as the model grows."""
    columns = _columns(model, include_pk)
    defaults = {}
    for column, f in columns:
        if column not in rows[0]:
            defaults[column] = f.get_default() if f.has_default() or not f.null else None
    names = ", ".join(f'"{c}"' for c, _ in columns)
    lines = [
        "\t".join(_copy_value(row[c] if c in row else defaults[c]) for c, _ in columns)
        for row in rows
    ]
    return names, ("\n".join(lines) + "\n").encode()


def _copy(cursor, table: str, payload: tuple[str, bytes]) -> None:
    names, data = payload
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        copy.write(data)


@dataclass
class Result:
    """What `generate` did and how long each part took. The producer thread
    (generation and COPY formatting) overlaps the database work, so the parts
    do not add up to the wall time."""

    seed: int
    first: int
    created: int = 0
    history_rows: int = 0
    detail_rows: int = 0
    wall_seconds: float = 0.0
    generate_seconds: float = 0.0  # Python: sampling rows and formatting COPY text
    copy_seconds: float = 0.0  # database: COPY and INSERT, index maintenance included
    insert_seconds: float = 0.0  # database: INSERT of the staged rows with their search vectors
    verify_seconds: float = 0.0  # database: sampled vectors compared with the shared SQL
    index_seconds: float = 0.0  # database: rebuilding indexes dropped for a bulk load
    search_index_seconds: float = 0.0  # of which the full-text GIN index
    check_seconds: float = 0.0  # database: foreign-key checks
    analyze_seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        """Everything included: generation, COPY, search vectors, indexes."""
        return self.created / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def write_rows_per_second(self) -> float:
        """Rows written per second: generation, COPY, the INSERT with search
        vectors and the checks, but not rebuilding the indexes dropped for a
        bulk load (whose cost is reported apart) nor ANALYZE."""
        seconds = self.wall_seconds - self.index_seconds - self.analyze_seconds
        return self.created / seconds if seconds > 0 else 0.0


def existing_count(seed: int) -> int:
    """How many synthetic rows of this seed exist (they are always 0..count-1)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM waivers_waiver WHERE source_id LIKE %s",
            [f"{SOURCE_PREFIX}-{seed}-%"],
        )
        return cursor.fetchone()[0]


_STAGE_TABLE = "synthetic_waiver_stage"
_SEARCH_INDEX = "waiver_search_gin"
# Search-vector parts that read only one foreign key of the waiver: evaluated
# once per referenced row into a lookup table instead of once per waiver.
_LOOKUP_PARTS = {  # part -> (waiver column, referenced table, its key column)
    "contracting_agency": ("contracting_agency_id", "agencies_agency", "id"),
    "funding_agency": ("funding_agency_id", "agencies_agency", "id"),
    "naics": ("naics_id", "waivers_naicscode", "code"),
    "psc": ("psc_id", "waivers_psccode", "code"),
}
_VERIFY_SAMPLES = 1_000
_INDEX_BUILD_MEMORY = "1GB"  # for this transaction's index rebuilds only


def _prepare_vectors(cursor, text_part: TextPart | None) -> str:
    """Create the lookup tables and return the INSERT that moves the staged
    rows into the waiver table with their search vectors.

    The vector is the shared definition (waivers.search.SEARCH_VECTOR_PARTS),
    part by part: a part that reads a single foreign key comes from a lookup
    table built with that same expression (`coalesce` evaluates the
    expression itself for a key the table lacks, such as NULL); `text_part`
    comes from the staged search_vector column, which the generator fills in
    Python from PostgreSQL's own lexemes (NULL where it leaves it to the
    expression); the rest is evaluated as is. `_verify_vectors` checks the
    result against the shared SQL before the transaction commits."""
    terms, joins = [], []
    for name, expression in SEARCH_VECTOR_PARTS.items():
        lookup = _LOOKUP_PARTS.get(name)
        if text_part and name == text_part.name:
            terms.append(f"coalesce(w.search_vector, {expression})")
        elif lookup and set(re.findall(r"\bw\.(\w+)", expression)) == {lookup[0]}:
            column, table, key = lookup
            # Dropped at commit; a caller's enclosing transaction may hold one already.
            cursor.execute(f"DROP TABLE IF EXISTS synthetic_vector_{name}")
            cursor.execute(
                f"CREATE TEMP TABLE synthetic_vector_{name} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT w.{column} AS key, {expression} AS vector "
                f"FROM (SELECT {key} AS {column} FROM {table}) AS w"
            )
            cursor.execute(f"ANALYZE synthetic_vector_{name}")
            terms.append(f"coalesce(v_{name}.vector, {expression})")
            joins.append(
                f"LEFT JOIN synthetic_vector_{name} AS v_{name} ON v_{name}.key = w.{column}"
            )
        else:
            terms.append(expression)
    columns = [f'"{f.column}"' for f in Waiver._meta.concrete_fields if not f.generated]
    values = ["\n    || ".join(terms) if c == '"search_vector"' else f"w.{c}" for c in columns]
    return (
        f"INSERT INTO waivers_waiver ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM {_STAGE_TABLE} AS w {' '.join(joins)}"
    )


def _verify_vectors(cursor, first_id: int, count: int) -> None:
    """The stored vectors of a spread sample of the new rows must equal the
    shared SQL's (waivers.search); otherwise nothing is committed."""
    step = max(1, count // _VERIFY_SAMPLES)
    ids = list(range(first_id, first_id + count, step))
    cursor.execute(
        f"SELECT count(*) FROM waivers_waiver AS w WHERE w.id = ANY(%s) "  # noqa: S608
        f"AND w.search_vector IS DISTINCT FROM ({SEARCH_VECTOR_SQL})",
        [ids],
    )
    wrong = cursor.fetchone()[0]
    if wrong:
        raise ValueError(
            f"{wrong} of {len(ids)} sampled search vectors differ from "
            "waivers.search's definition; nothing written"
        )


_BULK_TABLES = ("waivers_waiver", "waivers_waiverstatuschange")


def _drop_secondary_indexes(cursor) -> list[tuple[str, str]]:
    """Drop the non-unique indexes of the waiver and history tables and return
    their definitions: rebuilding an index once after a bulk load is much
    faster than maintaining it row by row. Unique indexes stay, so
    uniqueness is checked as rows arrive."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = ANY(%s) AND indexdef NOT LIKE 'CREATE UNIQUE INDEX%%'",
        [list(_BULK_TABLES)],
    )
    dropped = cursor.fetchall()
    for name, _ in dropped:
        cursor.execute(f'DROP INDEX "{name}"')
    return dropped


def _skip_fk_triggers(cursor) -> bool:
    """For a bulk load by a superuser, skip the per-row foreign-key triggers
    (replication role) and check every new row's foreign keys afterwards with
    one anti-join per key (_check_foreign_keys). Returns whether it did."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    row = cursor.fetchone()
    if not (row and row[0]):
        return False
    cursor.execute("SET LOCAL session_replication_role = replica")
    return True


def _check_foreign_keys(cursor, first_id: int, last_id: int) -> None:
    """Every foreign key of the rows just written must point at an existing row."""
    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    for model in (Waiver, WaiverStatusChange, UrgentReport, PricePreference, JonesActDetail):
        table = model._meta.db_table
        own = "id" if model is Waiver else "waiver_id"
        for f in model._meta.concrete_fields:
            if not f.is_relation:
                continue
            target, column = f.related_model._meta.db_table, f.target_field.column
            cursor.execute(
                f'SELECT count(*) FROM {table} t WHERE t."{own}" BETWEEN %s AND %s '  # noqa: S608
                f'AND t."{f.column}" IS NOT NULL AND NOT EXISTS '
                f'(SELECT 1 FROM {target} r WHERE r."{column}" = t."{f.column}")',
                [first_id, last_id],
            )
            broken = cursor.fetchone()[0]
            if broken:
                raise ValueError(f"{broken} new {table} rows have a dangling {f.column}")


def _trimmed(block: Block, lo: int, hi: int) -> Block:
    def keep(rows):
        return [r for r in rows if lo <= r["_n"] < hi]

    return Block(
        keep(block.waivers),
        keep(block.history),
        {m: keep(rows) for m, rows in block.details.items()},
    )


def _produce(
    gen: Generator, first: int, end: int, base_id: int, out: queue.Queue, timing: dict
) -> None:
    """Producer thread: generate each block, give it ids, format COPY text."""
    try:
        for index in range(first // BLOCK_SIZE, (end + BLOCK_SIZE - 1) // BLOCK_SIZE):
            t = time.perf_counter()
            block = _trimmed(
                gen.block(index, end),
                max(first, index * BLOCK_SIZE),
                min(end, (index + 1) * BLOCK_SIZE),
            )
            for row in block.waivers:
                row["id"] = base_id + row["_n"] - first
            for rows in [block.history, *block.details.values()]:
                for row in rows:
                    row["waiver_id"] = base_id + row["_n"] - first
            payloads = {
                "waivers": _copy_payload(Waiver, block.waivers, include_pk=True),
                "history": _copy_payload(WaiverStatusChange, block.history, include_pk=False),
                "details": [
                    (m, _copy_payload(m, rows, include_pk=False))
                    for m, rows in block.details.items()
                    if rows
                ],
            }
            counts = (
                len(block.waivers),
                len(block.history),
                sum(len(rows) for rows in block.details.values()),
            )
            timing["generate"] += time.perf_counter() - t
            out.put((counts, payloads))
    except BaseException as exc:  # handed to the consumer, which re-raises it
        out.put(exc)
        return
    out.put(None)


def generate(
    count: int,
    *,
    seed: int = 0,
    anchor: dt.date = DEFAULT_ANCHOR,
    profile: Profile | None = None,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Add `count` synthetic waivers for `seed`, continuing after the rows of
    this seed that already exist, all in one transaction.

    Waivers are copied into a temporary staging table, then into the real
    table by one INSERT that adds their search vectors (`_prepare_vectors`),
    checked against the shared SQL of waivers.search before commit. When the
    rows added outnumber the rows present, the secondary indexes are dropped
    first and rebuilt at the end (a bulk build is several times faster than
    row-by-row maintenance)."""
    started = time.perf_counter()
    first = existing_count(seed)
    end = first + count
    if end > MAX_ROWS:
        raise ValueError(f"at most {MAX_ROWS:,} synthetic rows per seed")
    profile = profile or build_profile()
    gen = Generator(profile, seed, anchor)
    result = Result(seed=seed, first=first)
    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg cursor, for COPY
        cursor.execute("SELECT count(*) FROM waivers_waiver")
        present = cursor.fetchone()[0]
        # One contiguous block of ids, so the producer can number rows itself.
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('waivers_waiver', 'id'), "
            "nextval(pg_get_serial_sequence('waivers_waiver', 'id')) + %s - 1)",
            [count],
        )
        base_id = cursor.fetchone()[0] - count + 1
        bulk = count >= present
        if bulk:
            # Run foreign-key checks queued earlier in this transaction now:
            # index DDL refuses a table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        dropped = _drop_secondary_indexes(cursor) if bulk else []
        checks_deferred = bulk and _skip_fk_triggers(cursor)
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE_TABLE} "
            "(LIKE waivers_waiver INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        insert_sql = _prepare_vectors(cursor, gen.text_part)
        timing = {"generate": 0.0}
        blocks: queue.Queue = queue.Queue(maxsize=2)
        producer = threading.Thread(
            target=_produce, args=(gen, first, end, base_id, blocks, timing), daemon=True
        )
        producer.start()
        try:
            while (item := blocks.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                (n_waivers, n_history, n_details), payloads = item
                t = time.perf_counter()
                cursor.execute(f"TRUNCATE {_STAGE_TABLE}")
                _copy(cursor, _STAGE_TABLE, payloads["waivers"])
                result.copy_seconds += time.perf_counter() - t
                t = time.perf_counter()
                cursor.execute(insert_sql)
                result.insert_seconds += time.perf_counter() - t
                t = time.perf_counter()
                _copy(cursor, "waivers_waiverstatuschange", payloads["history"])
                for model, payload in payloads["details"]:
                    _copy(cursor, model._meta.db_table, payload)
                result.copy_seconds += time.perf_counter() - t
                result.created += n_waivers
                result.history_rows += n_history
                result.detail_rows += n_details
                if progress:
                    progress(f"  {first + result.created:,} rows of seed {seed} written")
        finally:
            while producer.is_alive():  # unblock the producer if we stopped early
                with contextlib.suppress(queue.Empty):
                    blocks.get(timeout=0.1)
            producer.join()
        result.generate_seconds = timing["generate"]
        t = time.perf_counter()
        _verify_vectors(cursor, base_id, count)
        result.verify_seconds = time.perf_counter() - t
        t = time.perf_counter()
        if checks_deferred:
            _check_foreign_keys(cursor, base_id, base_id + count - 1)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run any queued FK checks now
        result.check_seconds = time.perf_counter() - t
        if dropped:
            # GIN builds sort in memory: a larger budget saves merge passes.
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{_INDEX_BUILD_MEMORY}'")
        for name, definition in dropped:
            t = time.perf_counter()
            cursor.execute(definition)
            result.index_seconds += time.perf_counter() - t
            if name == _SEARCH_INDEX:
                result.search_index_seconds += time.perf_counter() - t
    t = time.perf_counter()
    with connection.cursor() as cursor:
        # Every table written, the detail tables included (the detail page
        # joins them): autovacuum may be off or not yet around.
        for table in (
            "waivers_waiver",
            "waivers_waiverstatuschange",
            "waivers_pricepreference",
            "waivers_jonesactdetail",
            "waivers_urgentreport",
        ):
            cursor.execute(f"ANALYZE {table}")
    result.analyze_seconds = time.perf_counter() - t
    result.wall_seconds = time.perf_counter() - started
    return result


def delete_synthetic(seed: int | None = None) -> int:
    """Delete synthetic waivers (of one seed, or all) and every row that
    refers to them (history, details, anything else with a foreign key)."""
    pattern = f"{SOURCE_PREFIX}-{seed}-%" if seed is not None else f"{SOURCE_PREFIX}-%"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE synthetic_doomed ON COMMIT DROP AS "
            "SELECT id FROM waivers_waiver WHERE source_id LIKE %s",
            [pattern],
        )
        for related in Waiver._meta.related_objects:
            if related.many_to_many:
                continue
            cursor.execute(
                f"DELETE FROM {related.related_model._meta.db_table} "  # noqa: S608
                f"WHERE {related.field.column} IN (SELECT id FROM synthetic_doomed)"
            )
        cursor.execute("DELETE FROM waivers_waiver WHERE id IN (SELECT id FROM synthetic_doomed)")
        return cursor.rowcount
