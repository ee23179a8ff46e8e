"""When a waiver ends: the database expression behind `Waiver.expires`.

MIAO publishes an expiration date for few waivers. Where it does, that date is
the answer. Otherwise the end is estimated as the determination date (MIAO's
published one, else the date the determination was recorded, else the date
the waiver was posted) plus the expected maximum duration's upper bound:
"instant delivery only" ends on that date, "0-6 months" six months later, and
so on up to "3-5 years". "More than 5 years" has no upper bound and no
duration gives nothing to estimate from: both are null. Every output labels a
date without a published expiration date as an estimate
(`Waiver.expires_is_estimate`, the `expires_is_estimate` column).

A generated column must be immutable, so timestamps become dates in a fixed
zone (EXPIRY_TIME_ZONE, the Made in America Office's), not the session's.
"""

from django.db import models
from django.db.models import Case, Func, Value, When
from django.db.models.functions import Cast, Coalesce

EXPIRY_TIME_ZONE = "America/New_York"

# Upper bound of each expected maximum duration, in months (Waiver.Duration values).
DURATION_MONTHS = {
    "instant": 0,
    "0_6_months": 6,
    "6_12_months": 12,
    "1_2_years": 24,
    "2_3_years": 36,
    "3_5_years": 60,
}


class LocalDate(Func):
    """The date of a timestamp in EXPIRY_TIME_ZONE (immutable, unlike ::date)."""

    template = f"((%(expressions)s AT TIME ZONE '{EXPIRY_TIME_ZONE}')::date)"
    output_field = models.DateField()


class Months(Func):
    """An interval of N months (make_interval is immutable)."""

    template = "make_interval(0, %(expressions)s)"
    output_field = models.DurationField()


def expires_expression():
    months = Case(
        *(When(expected_duration=code, then=Value(n)) for code, n in DURATION_MONTHS.items()),
        default=None,
        output_field=models.IntegerField(),
    )
    start = Coalesce(
        "published_determination_date",
        LocalDate("determined_at"),
        LocalDate("submitted_at"),
        output_field=models.DateField(),
    )
    estimate = Cast(
        models.ExpressionWrapper(start + Months(months), output_field=models.DateTimeField()),
        models.DateField(),
    )
    return Coalesce("expiration_date", estimate, output_field=models.DateField())
