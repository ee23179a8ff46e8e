"""Public reads of single waivers and the short lists on the home page."""

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count, F, Q
from django.db.models.functions import Greatest, TruncDate
from django.http import Http404

from waivers.models import Waiver, WaiverStatusChange
from waivers.statements import Instances, Statement

RELATED_LIMIT = 6
HOME_LIST_LIMIT = 8


def public_waivers():
    """Waivers the public may see, with the relations every page shows (and
    without the search vector, which no page shows)."""
    return Waiver.objects.public().with_public_relations().defer("search_vector")


# Stand for the values of a statement while it is compiled (waivers.statements).
_PK_MARK = -739_104_265
_PUBLIC_ID_MARK = "~public-id~"
_PSC_MARK = "~psc~"
_NAICS_MARK = "~naics~"

# A waiver page's waiver with every relation it shows, by its identifier: a
# statement prepared once a connection (at a million waivers, building and
# compiling the select_related() query took 1.2 ms and planning it 0.5 ms, to
# run it in 0.1 ms).
_PAGE_WAIVER = Instances(
    lambda public_id: Waiver.objects.public().filter(public_id=public_id),
    _PUBLIC_ID_MARK,
    related=(*Waiver.PUBLIC_RELATIONS, "price_preference", "urgent_report"),
    leave_out=("search_vector",),
)


def get_public_waiver_or_404(public_id: str) -> Waiver:
    """The one lookup behind a public waiver page: unknown ids, drafts and test
    records are all simply not found."""
    waiver = _PAGE_WAIVER.one(Waiver.objects.db, public_id)
    if waiver is None:
        raise Http404("No public waiver has this identifier.")
    return waiver


# A waiver's public history by its key: SQL compiled once (waivers.statements).
_TIMELINE = Statement(
    lambda waiver_id: (
        WaiverStatusChange.objects.filter(waiver_id=waiver_id)
        .exclude(to_status=Waiver.Status.DRAFT)
        .order_by("at", "id")
        .values_list("at", "from_status", "to_status")
    ),
    _PK_MARK,
)


def public_timeline(waiver_id: int, using: str = DEFAULT_DB_ALIAS) -> list[dict]:
    """The public status history of the waiver `waiver_id`: when, from which
    status to which.

    Only dates and statuses leave the history table; who made a change and
    the staff note stay internal. The draft stage is not public either.
    """
    labels = dict(Waiver.Status.choices)
    return [
        {
            "at": at,
            "from_status": from_status if from_status != Waiver.Status.DRAFT else "",
            "from_label": labels.get(from_status, "") if from_status != Waiver.Status.DRAFT else "",
            "to_status": to_status,
            "to_label": labels.get(to_status, to_status),
        }
        for at, from_status, to_status in _TIMELINE.all(using, waiver_id)
    ]


def _related(pk: int, psc: str | None, naics: str | None):
    # The newest few of each code are found apart, each by a short walk of its
    # index (waiver_psc_newest_idx, waiver_naics_newest_idx), and the two lists
    # merged: a single OR of the two codes sorted every waiver of both (at a
    # million waivers, 17 ms for codes of a hundred or two waivers each, read
    # from scattered pages). A missing code (None) finds none.
    others = Waiver.objects.public().exclude(pk=pk).order_by("-submitted_at", "-id")
    candidates = (
        others.filter(psc_id=psc)
        .values_list("pk")[:RELATED_LIMIT]
        .union(others.filter(naics_id=naics).values_list("pk")[:RELATED_LIMIT], all=True)
    )
    return Waiver.objects.filter(pk__in=candidates).order_by("-submitted_at", "-id")[:RELATED_LIMIT]


# A short list shows the contracting agency only (and the Jones Act decision,
# part of the outcome); prepared once a connection like the page's waiver.
_RELATED = Instances(
    _related,
    _PK_MARK,
    _PSC_MARK,
    _NAICS_MARK,
    related=("contracting_agency", "jones_act"),
    leave_out=("search_vector",),
)


def related_waivers(waiver: Waiver) -> list[Waiver]:
    """Other public waivers for the same PSC or NAICS code, newest first."""
    if not (waiver.psc_id or waiver.naics_id):
        return []
    return _RELATED.all(waiver._state.db, waiver.pk, waiver.psc_id or None, waiver.naics_id or None)


def headline_counts() -> dict:
    """Counts for the home page, in one query."""
    Status = Waiver.Status
    return Waiver.objects.public().aggregate(
        total=Count("id"),
        under_review=Count("id", filter=Waiver.AWAITING_REVIEW),
        determined=Count("id", filter=~Q(determination="")),
        review_waived=Count("id", filter=Q(status=Status.REVIEW_WAIVED)),
        granted=Count("id", filter=Q(final_decision=Waiver.FinalDecision.GRANTED)),
        not_granted=Count("id", filter=Q(final_decision=Waiver.FinalDecision.NOT_GRANTED)),
        withdrawn=Count("id", filter=Q(status=Status.WITHDRAWN)),
        agencies=Count("contracting_agency", distinct=True),
    )


def under_review(limit: int = HOME_LIST_LIMIT) -> list[Waiver]:
    """Waivers MIAO is reviewing now, the nearest review deadline first."""
    return list(
        public_waivers()
        .open_for_review()
        .order_by(F("review_due_date").asc(nulls_last=True), "id")[:limit]
    )


def latest_decisions(limit: int = HOME_LIST_LIMIT) -> list[Waiver]:
    """The most recent determinations and final decisions, newest first."""
    return list(
        public_waivers()
        .filter(Q(determined_at__isnull=False) | Q(final_decision_date__isnull=False))
        # GREATEST ignores NULLs in PostgreSQL: the later of the two events.
        .annotate(decided_on=Greatest(TruncDate("determined_at"), "final_decision_date"))
        .order_by(F("decided_on").desc(nulls_last=True), "-id")[:limit]
    )


def type_details(waiver: Waiver) -> dict:
    """The type-specific rows of a waiver fetched by get_public_waiver_or_404
    (already joined, so no further queries); None where a waiver has none."""
    return {
        name: getattr(waiver, name, None)
        for name in ("price_preference", "jones_act", "urgent_report")
    }
