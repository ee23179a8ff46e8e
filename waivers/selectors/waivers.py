"""Public reads of single waivers and the short lists on the home page."""

from collections.abc import Sequence

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, F, OuterRef, Q
from django.db.models.functions import Greatest, TruncDate
from django.http import Http404

from waivers.models import Waiver, WaiverStatusChange
from waivers.statements import Instances

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


def _public_history(field: str) -> ArraySubquery:
    return ArraySubquery(
        WaiverStatusChange.objects.filter(waiver_id=OuterRef("pk"))
        .exclude(to_status=Waiver.Status.DRAFT)
        .order_by("at", "id")
        .values(field)
    )


# A waiver's public history, oldest first, as three arrays read in the same
# statement as the waiver itself (issue 19: a statement of its own was one
# more round trip to PostgreSQL a request): when, from which status, to which.
HISTORY_ANNOTATIONS = {
    "history_at": _public_history("at"),
    "history_from": _public_history("from_status"),
    "history_to": _public_history("to_status"),
}


def public_timeline(at: Sequence, from_status: Sequence, to_status: Sequence) -> list[dict]:
    """A waiver's public status history from its HISTORY_ANNOTATIONS arrays:
    when, from which status to which.

    Only dates and statuses leave the history table; who made a change and
    the staff note stay internal. The draft stage is not public either.
    """
    labels = dict(Waiver.Status.choices)
    draft = Waiver.Status.DRAFT
    return [
        {
            "at": when,
            "from_status": before if before != draft else "",
            "from_label": labels.get(before, "") if before != draft else "",
            "to_status": after,
            "to_label": labels.get(after, after),
        }
        for when, before, after in zip(at, from_status, to_status, strict=True)
    ]


# A waiver page's waiver with every relation it shows, by its identifier: a
# statement prepared once a connection (at a million waivers, building and
# compiling the select_related() query took 1.2 ms and planning it 0.5 ms, to
# run it in 0.1 ms).
_PAGE_WAIVER = Instances(
    lambda public_id: Waiver.objects.public().filter(public_id=public_id),
    _PUBLIC_ID_MARK,
    related=(*Waiver.PUBLIC_RELATIONS, "price_preference", "urgent_report"),
    leave_out=("search_vector",),
    annotations=HISTORY_ANNOTATIONS,
)


def get_public_waiver_or_404(public_id: str) -> Waiver:
    """The one lookup behind a public waiver page, its public history included
    (public_timeline() of its history_* arrays): unknown ids, drafts and test
    records are all simply not found."""
    waiver = _PAGE_WAIVER.one(Waiver.objects.db, public_id)
    if waiver is None:
        raise Http404("No public waiver has this identifier.")
    return waiver


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
