"""Public reads of single waivers and the short lists on the home page."""

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count, F, Q
from django.db.models.functions import Greatest, TruncDate
from django.http import Http404

from waivers.models import Waiver, WaiverStatusChange
from waivers.planning import joins_as_written
from waivers.statements import Statement

RELATED_LIMIT = 6
HOME_LIST_LIMIT = 8


def public_waivers():
    """Waivers the public may see, with the relations every page shows (and
    without the search vector, which no page shows)."""
    return Waiver.objects.public().with_public_relations().defer("search_vector")


def get_public_waiver_or_404(public_id: str) -> Waiver:
    """The one lookup behind a public waiver page: unknown ids, drafts and test
    records are all simply not found."""
    waivers = public_waivers().select_related("price_preference", "jones_act", "urgent_report")
    try:
        with joins_as_written(waivers.db):
            return waivers.get(public_id=public_id)
    except Waiver.DoesNotExist as missing:
        raise Http404("No public waiver has this identifier.") from missing


# A waiver's public history by its key: SQL compiled once (waivers.statements).
_TIMELINE = Statement(
    lambda waiver_id: (
        WaiverStatusChange.objects.filter(waiver_id=waiver_id)
        .exclude(to_status=Waiver.Status.DRAFT)
        .order_by("at", "id")
        .values_list("at", "from_status", "to_status")
    ),
    marker=-739_104_265,
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


def related_waivers(waiver: Waiver, limit: int = RELATED_LIMIT) -> list[Waiver]:
    """Other public waivers for the same PSC or NAICS code, newest first.

    The newest few of each code are found apart, each by a short walk of its
    index (waiver_psc_newest_idx, waiver_naics_newest_idx), and the two lists
    merged: a single OR of the two codes sorted every waiver of both (at a
    million waivers, 17 ms for codes of a hundred or two waivers each, read
    from scattered pages)."""
    others = Waiver.objects.public().exclude(pk=waiver.pk).order_by("-submitted_at", "-id")
    newest = [
        others.filter(**{column: code}).values_list("pk")[:limit]
        for column, code in (("psc_id", waiver.psc_id), ("naics_id", waiver.naics_id))
        if code
    ]
    if not newest:
        return []
    candidates = newest[0].union(*newest[1:], all=True)
    # A short list shows the contracting agency only: fewer joins also make the
    # query several milliseconds cheaper to plan.
    return list(
        Waiver.objects.filter(pk__in=candidates)
        .select_related("contracting_agency", "jones_act")  # jones_act: its outcome
        .defer("search_vector")
        .order_by("-submitted_at", "-id")[:limit]
    )


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
