"""What happened to a waiver, in words a manufacturer understands at a glance.

Two readings, one definition:

- `outcome(waiver)` and `finding(waiver)` read a Waiver instance (result rows,
  the detail page, feeds);
- `outcome_sql()` and `finding_sql()` give the same texts as SQL, for the
  published columns `outcome` and `miao_finding` (waivers.columns), so the CSV
  (written by PostgreSQL's COPY), the JSON download and the API carry them too.

The Python and SQL readings below list the same cases in the same order;
tests/waivers/test_outcomes.py checks that they agree for every status and
type, so a change to one that is not made to the other fails.

Outcomes, first matching case wins:

1. Withdrawn                           (the agency withdrew it)
2. Granted / Not granted               (the agency's final decision, or for a
                                        Jones Act waiver the decision on the
                                        request when no final decision is on record)
3. Under MIAO review (due March 4, 2022)  (open for review)
4. Awaiting the agency's decision      (reviewed, or review waived)
5. No determination published          (anything else, e.g. an urgent report)
"""

import datetime as dt

from django.db.models import Case, F, Func, Q, TextField, Value, When
from django.db.models.functions import Concat
from django.utils.dateformat import format as date_format

from waivers.models import JonesActDetail, Waiver

WITHDRAWN = "Withdrawn"
GRANTED = "Granted"
NOT_GRANTED = "Not granted"
UNDER_REVIEW = "Under MIAO review"
AWAITING_DECISION = "Awaiting the agency's decision"
NO_DETERMINATION = "No determination published"

OUTCOMES = (WITHDRAWN, GRANTED, NOT_GRANTED, UNDER_REVIEW, AWAITING_DECISION, NO_DETERMINATION)

# "March 4, 2022" in Python (Django's date format) and in PostgreSQL (to_char
# month names are English whatever the locale; FM drops the padding).
DATE_FORMAT = "F j, Y"
SQL_DATE_FORMAT = "FMMonth FMDD, YYYY"

FINDINGS = {
    Waiver.Determination.CONSISTENT: "MIAO found the waiver consistent with policy.",
    Waiver.Determination.CONDITIONALLY_CONSISTENT: (
        "MIAO found the waiver conditionally consistent with policy."
    ),
    Waiver.Determination.INCONSISTENT: "MIAO found the waiver inconsistent with policy.",
}
FINDING_REVIEW_WAIVED = "MIAO waived its review."
FINDING_UNDER_REVIEW = "MIAO is reviewing the waiver; its review is due"
FINDING_URGENT_REPORT = (
    "MIAO does not review urgent requirements reports: they are filed after the award."
)
FINDING_WITHDRAWN = "The agency withdrew the waiver before MIAO made a finding."
FINDING_NONE = "No MIAO finding is published."


class _ToChar(Func):
    function = "to_char"
    output_field = TextField()


def _sql_date(field: str):
    return _ToChar(F(field), Value(SQL_DATE_FORMAT))


def _jones_decision(waiver: Waiver) -> str:
    """The decision on a Jones Act request ("" for other types or none)."""
    if waiver.waiver_type != Waiver.Type.JONES_ACT:
        return ""
    try:
        return waiver.jones_act.decision
    except JonesActDetail.DoesNotExist:
        return ""


def _due(day: dt.date | None) -> str:
    return date_format(day, DATE_FORMAT) if day else ""


def _granted(waiver: Waiver) -> bool:
    if waiver.final_decision:
        return waiver.final_decision == Waiver.FinalDecision.GRANTED
    return _jones_decision(waiver) == JonesActDetail.Decision.GRANTED


def _decided(waiver: Waiver) -> bool:
    return bool(waiver.final_decision or _jones_decision(waiver))


def outcome(waiver: Waiver) -> str:
    """One of OUTCOMES; under review it names the due date."""
    if waiver.status == Waiver.Status.WITHDRAWN:
        return WITHDRAWN
    if _decided(waiver):
        return GRANTED if _granted(waiver) else NOT_GRANTED
    if waiver.is_open_for_review:
        due = _due(waiver.review_due_date)
        return f"{UNDER_REVIEW} (due {due})" if due else UNDER_REVIEW
    if waiver.status in (Waiver.Status.REVIEWED, Waiver.Status.REVIEW_WAIVED):
        return AWAITING_DECISION
    return NO_DETERMINATION


def outcome_variant(waiver: Waiver) -> str:
    """The badge colour of the outcome (static/css/site.css)."""
    text = outcome(waiver)
    if text == GRANTED:
        return "good"
    if text == NOT_GRANTED:
        return "bad"
    if text == WITHDRAWN:
        return "withdrawn"
    if text.startswith(UNDER_REVIEW):
        return "info-dark"
    if text == AWAITING_DECISION:
        return "info"
    return "neutral"


def finding(waiver: Waiver) -> str:
    """MIAO's finding in one plain sentence."""
    if waiver.determination:
        return FINDINGS[waiver.determination]
    if waiver.waiver_type == Waiver.Type.URGENT_REPORT:
        return FINDING_URGENT_REPORT
    if waiver.is_open_for_review:
        due = _due(waiver.review_due_date)
        return f"{FINDING_UNDER_REVIEW} {due}." if due else FINDING_UNDER_REVIEW + " soon."
    if waiver.status == Waiver.Status.REVIEW_WAIVED:
        return FINDING_REVIEW_WAIVED
    if waiver.status == Waiver.Status.WITHDRAWN:
        return FINDING_WITHDRAWN
    return FINDING_NONE


# --- the same texts in SQL --------------------------------------------------------

_JONES = Q(waiver_type=Waiver.Type.JONES_ACT)
_NO_FINAL = Q(final_decision="")


def outcome_sql():
    """SQL giving outcome() of each row (a LEFT JOIN to the Jones Act details)."""
    return Case(
        When(status=Waiver.Status.WITHDRAWN, then=Value(WITHDRAWN)),
        When(final_decision=Waiver.FinalDecision.GRANTED, then=Value(GRANTED)),
        When(final_decision=Waiver.FinalDecision.NOT_GRANTED, then=Value(NOT_GRANTED)),
        When(
            _JONES & _NO_FINAL & Q(jones_act__decision=JonesActDetail.Decision.GRANTED),
            then=Value(GRANTED),
        ),
        When(
            _JONES & _NO_FINAL & Q(jones_act__decision=JonesActDetail.Decision.DENIED),
            then=Value(NOT_GRANTED),
        ),
        When(
            Waiver.AWAITING_REVIEW & Q(review_due_date__isnull=False),
            then=Concat(
                Value(f"{UNDER_REVIEW} (due "),
                _sql_date("review_due_date"),
                Value(")"),
                output_field=TextField(),
            ),
        ),
        When(Waiver.AWAITING_REVIEW, then=Value(UNDER_REVIEW)),
        When(
            status__in=[Waiver.Status.REVIEWED, Waiver.Status.REVIEW_WAIVED],
            then=Value(AWAITING_DECISION),
        ),
        default=Value(NO_DETERMINATION),
        output_field=TextField(),
    )


def finding_sql():
    """SQL giving finding() of each row."""
    cases = [When(determination=value, then=Value(text)) for value, text in FINDINGS.items()]
    return Case(
        *cases,
        When(waiver_type=Waiver.Type.URGENT_REPORT, then=Value(FINDING_URGENT_REPORT)),
        When(
            Waiver.AWAITING_REVIEW & Q(review_due_date__isnull=False),
            then=Concat(
                Value(f"{FINDING_UNDER_REVIEW} "),
                _sql_date("review_due_date"),
                Value("."),
                output_field=TextField(),
            ),
        ),
        When(Waiver.AWAITING_REVIEW, then=Value(FINDING_UNDER_REVIEW + " soon.")),
        When(status=Waiver.Status.REVIEW_WAIVED, then=Value(FINDING_REVIEW_WAIVED)),
        When(status=Waiver.Status.WITHDRAWN, then=Value(FINDING_WITHDRAWN)),
        default=Value(FINDING_NONE),
        output_field=TextField(),
    )
