"""Formatting for the public site: badges, dates, the review clock, money,
pagination links. Templates call these instead of branching on values."""

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

import pycountry
from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

from waivers import validation
from waivers.models import Waiver

register = template.Library()

# Navigation of the public site: (label, URL name). Home is current only on itself.
NAV_ITEMS = (
    ("Home", "waivers:home"),
    ("Search waivers", "waivers:list"),
    ("Categories", "waivers:categories"),
    ("Agencies", "agencies:list"),
    ("Statistics", "waivers:stats"),
    ("API", "api:guide"),
    ("About", "waivers:about"),
)

# Badge colour variants (see static/css/site.css; each passes WCAG AA contrast).
STATUS_VARIANTS = {
    Waiver.Status.DRAFT: "neutral",
    Waiver.Status.SUBMITTED: "info",
    Waiver.Status.IN_REVIEW: "info-dark",
    Waiver.Status.REVIEWED: "done",
    Waiver.Status.REVIEW_WAIVED: "neutral-dark",
    Waiver.Status.DECIDED: "done",
    Waiver.Status.WITHDRAWN: "withdrawn",
}
DETERMINATION_VARIANTS = {
    Waiver.Determination.CONSISTENT: "good",
    Waiver.Determination.CONDITIONALLY_CONSISTENT: "caution",
    Waiver.Determination.INCONSISTENT: "bad",
}
DECISION_VARIANTS = {
    Waiver.FinalDecision.GRANTED: "good",
    Waiver.FinalDecision.NOT_GRANTED: "bad",
}
ALERT_VARIANTS = {"error": "error", "warning": "warning", "success": "success"}

DATE_FORMAT = "F j, Y"  # March 4, 2022
DATETIME_FORMAT = "F j, Y, g:i A T"  # March 4, 2022, 3:15 PM EST


# --- navigation and URLs -------------------------------------------------------


@register.simple_tag(takes_context=True)
def site_nav_items(context) -> list[dict]:
    """The primary navigation with the current section marked. Works without a
    request in the context (the 500 page)."""
    request = context.get("request")
    path = getattr(request, "path", "") or ""
    items = []
    home = reverse("waivers:home")
    for label, name in NAV_ITEMS:
        url = reverse(name)
        current = path == url if url == home else path.startswith(url)
        items.append({"label": label, "url": url, "current": current})
    return items


@register.simple_tag(takes_context=True)
def url_with(context, **changes) -> str:
    """The current URL's query string with some parameters replaced (None or ""
    removes one). Repeated parameters (agency=a&agency=b) are kept."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def pagination_items(page_obj) -> list[dict]:
    """Page numbers to show (first, last, neighbours of the current page) with gaps."""
    paginator = page_obj.paginator
    items = []
    for number in paginator.get_elided_page_range(page_obj.number, on_each_side=1, on_ends=1):
        if number == paginator.ELLIPSIS:
            items.append({"is_gap": True})
        else:
            items.append(
                {
                    "number": number,
                    "current": number == page_obj.number,
                    # Only a known end is called the last page (not an estimate or the cap).
                    "is_last": number == paginator.num_pages
                    and getattr(paginator, "last_page_known", True),
                    "is_gap": False,
                }
            )
    return items


@register.simple_tag
def query_string(**params) -> str:
    """A query string from keyword arguments, skipping empty values."""
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


# --- badges --------------------------------------------------------------------


def _tag(label, variant: str) -> str:
    """A USWDS tag (badge), or nothing without a label. Built here rather than
    from a template: a results page shows four per row, and rendering an
    inclusion tag's template for each was a measurable share of the page
    (docs/performance.md). Each ends in a line break, which
    separates the inline badges as the spaces between them do."""
    if not label:
        return "\n"
    return format_html(
        '<span class="usa-tag site-tag site-tag--{}">{}</span>\n', variant or "neutral", label
    )


@register.simple_tag
def status_badge(waiver) -> str:
    return _tag(waiver.get_status_display(), STATUS_VARIANTS.get(waiver.status, "neutral"))


@register.simple_tag
def determination_badge(waiver) -> str:
    """The OMB determination, or nothing when none is on record."""
    if not waiver.determination:
        return _tag("", "")
    return _tag(
        waiver.get_determination_display(),
        DETERMINATION_VARIANTS.get(waiver.determination, "neutral"),
    )


@register.simple_tag
def decision_badge(waiver) -> str:
    """The agency's final decision, or nothing when none is on record."""
    if not waiver.final_decision:
        return _tag("", "")
    return _tag(
        waiver.get_final_decision_display(),
        DECISION_VARIANTS.get(waiver.final_decision, "neutral"),
    )


@register.simple_tag
def outcome_badge(waiver) -> str:
    """What happened to the waiver, in words ("Granted", "Under MIAO review
    (due …)", …): waivers.outcomes."""
    from waivers.outcomes import outcome_variant

    return format_html(
        '<span class="usa-tag site-tag site-outcome site-tag--{}">{}</span>\n',
        outcome_variant(waiver),
        waiver.outcome,
    )


@register.filter
def country_names(codes) -> str:
    """["FR", "DE"] → France (FR), Germany (DE)"""
    return ", ".join(country_name(code) for code in codes or ())


@register.simple_tag
def type_badge(waiver) -> str:
    return _tag(waiver.get_waiver_type_display(), "type")


@register.filter
def alert_variant(message) -> str:
    """USWDS alert variant for a django.contrib.messages message."""
    return ALERT_VARIANTS.get(getattr(message, "level_tag", ""), "info")


# --- dates and the review clock ------------------------------------------------


@register.filter
def us_date(value, empty: str = "") -> str:
    """March 4, 2022 (a datetime is shown in the site's time zone)."""
    if value in (None, ""):
        return empty
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return date_format(value, DATE_FORMAT)


@register.filter
def us_datetime(value, empty: str = "") -> str:
    """March 4, 2022, 3:15 PM EST in the site's time zone."""
    if value in (None, ""):
        return empty
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, DATETIME_FORMAT)


@register.filter
def iso_date(value) -> str:
    """2022-03-04, for <time datetime="...">."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.isoformat(timespec="minutes")
    return value.isoformat()


def _business_days(n: int) -> str:
    return f"{n} business day{'s' if n != 1 else ''}"


def describe_review_clock(days_left: int | None) -> str:
    """Plain words for Waiver.business_days_left()."""
    if days_left is None:
        return ""
    if days_left > 0:
        return f"{_business_days(days_left)} left"
    if days_left == 0:
        return "Review due today"
    return f"Overdue by {_business_days(-days_left)}"


@register.filter
def review_clock(waiver) -> str:
    """ "5 business days left", "Review due today", "Overdue by 3 business days",
    or "" when the waiver is not open for review."""
    return describe_review_clock(waiver.business_days_left())


@register.filter
def review_clock_variant(waiver) -> str:
    """CSS modifier for the review clock: overdue, due-soon (≤ 3 days) or ok."""
    days = waiver.business_days_left()
    if days is None:
        return ""
    if days < 0:
        return "overdue"
    return "due-soon" if days <= 3 else "ok"


# --- values --------------------------------------------------------------------


@register.filter
def money(value) -> str:
    """$120,000.00"""
    if value in (None, ""):
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    return f"{sign}${intcomma(f'{abs(amount):.2f}')}"


@register.filter
def percent(value) -> str:
    """0.20 → 20%"""
    if value in (None, ""):
        return ""
    return f"{(Decimal(value) * 100).normalize():f}%"


@register.filter
def yes_no(value, unknown: str = "Not stated") -> str:
    if value is None or value == "":
        return unknown
    return "Yes" if value else "No"


@register.filter
def country_name(code: str) -> str:
    """FR → France (FR); unknown codes are shown as they are."""
    if not code:
        return ""
    country = pycountry.countries.get(alpha_2=code.upper())
    name = getattr(country, "common_name", None) or getattr(country, "name", None)
    return f"{name} ({code.upper()})" if name else code


@register.filter
def verbose_name(instance, field_name: str) -> str:
    """A model field's verbose name, capitalised: {{ waiver|verbose_name:"coverage" }}."""
    name = str(instance._meta.get_field(field_name).verbose_name)
    return name[:1].upper() + name[1:]


@register.filter
def sentence_case(text: str) -> str:
    """Reference lists shout (INSTRUMENTS AND LABORATORY EQPT): Instruments and laboratory eqpt."""
    text = str(text or "")
    return text[:1].upper() + text[1:].lower() if text.isupper() else text


# --- field rows for definition lists ----------------------------------------------

NOT_STATED = "Not stated"
# Labels clearer than the model's verbose names on public pages.
PUBLIC_LABELS = {
    "public_id": "Public identifier",
    "contracting_agency": "Contracting office agency",
    "submitted_at": "Submitted",
    "source_id": "Record ID in MIAO’s published data",
    "source_created_at": "Created (MIAO’s published data)",
    "source_modified_at": "Last modified (MIAO’s published data)",
    "updated_at": "Last updated on this site",
    "vessel_flag": "Flag",
    "decided_at": "Decided",
    "valid_days": "Valid for (days)",
    "extension_days": "Extension (days)",
    "received_at": "Request received",
    "published_at": "Request published",
    "voyage_report_received_at": "Voyage report received",
    "voyage_report_published_at": "Voyage report published",
}


# Yes/no questions whose empty answer is "unknown", kept apart from "no".
YES_NO_UNKNOWN = {"end_product_cots", "end_product_critical", "end_product_iron_steel"}


def _capitalise(text) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def _display_value(instance, field) -> tuple[str, str]:
    """(text, url) of one model field, formatted for people."""
    from agencies.models import Agency

    value = getattr(instance, field.name)
    if value is None and field.name in YES_NO_UNKNOWN:
        return "Unknown (not stated)", ""
    if value in (None, "", []):
        return NOT_STATED, ""
    if field.choices:
        return getattr(instance, f"get_{field.name}_display")(), ""
    if field.name == "countries":
        return ", ".join(country_name(code) for code in value), ""
    if field.name == "vessel_flag":
        return country_name(value), ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value), ""
    if isinstance(value, bool):
        return yes_no(value), ""
    if isinstance(value, dt.datetime):
        return us_datetime(value), ""
    if isinstance(value, dt.date):
        return us_date(value), ""
    if isinstance(value, Decimal):
        return money(value), ""
    if isinstance(value, Agency):
        parent = f", {value.parent.display_name}" if value.parent_id and value.parent else ""
        return f"{value.display_name} ({value.code}){parent}", value.get_absolute_url()
    return str(value), ""


@register.simple_tag
def field_rows(instance, names: str) -> list[dict]:
    """Rows for a <dl>: label from the model field's verbose name, value in
    plain words. `names` is a comma-separated list of field names; a row whose
    value is empty says "Not stated"."""
    rows = []
    for name in (n.strip() for n in names.split(",") if n.strip()):
        field = instance._meta.get_field(name)
        text, url = _display_value(instance, field)
        rows.append(
            {
                "name": name,
                "label": PUBLIC_LABELS.get(name) or _capitalise(field.verbose_name),
                "value": text,
                "url": url,
                "empty": text == NOT_STATED,
            }
        )
    return rows


# The procurement rows of a waiver page. Jones Act requests and urgent reports
# are not solicitations under review: the solicitation rows do not apply to
# them, and a page full of "Not stated" would only hide what does.
PROCUREMENT_FIELDS = (
    "waiver_type",
    "contracting_agency",
    "funding_agency",
    "countries",
    "naics",
    "psc",
    "procurement_stage",
    "sources_sought",
    "piids",
    "solicitation_id",
    "price_preference_included",
    "coverage",
    "expected_duration",
    "end_product_cots",
    "end_product_critical",
    "end_product_iron_steel",
)
# Rows left off a type's page although its form has them ("Not stated" would
# only be noise); fields a type's form never has (validation.applies_to) are
# left off too.
NOT_APPLICABLE = {
    Waiver.Type.JONES_ACT: {
        "procurement_stage",
        "sources_sought",
        "piids",
        "solicitation_id",
        "price_preference_included",
        "coverage",
        "expected_duration",
    },
    Waiver.Type.URGENT_REPORT: {
        "procurement_stage",
        "sources_sought",
        "solicitation_id",
        "price_preference_included",
        "coverage",
    },
}


@register.simple_tag
def procurement_fields(waiver) -> str:
    """The procurement rows that apply to the waiver's type, for field_rows."""
    skip = NOT_APPLICABLE.get(waiver.waiver_type, set())
    return ",".join(
        name
        for name in PROCUREMENT_FIELDS
        if name not in skip and validation.applies_to(name, waiver.waiver_type)
    )


@register.simple_tag
def jones_decision_fields(jones_act) -> str:
    """The decision rows of a Jones Act request: the terms of a grant, the
    reasons of a denial, neither while undecided."""
    if jones_act.decision == jones_act.Decision.DENIED:
        return "decision,decided_at,denial_reasons"
    if jones_act.decision == jones_act.Decision.GRANTED:
        return "decision,decided_at,terms,valid_days,extension_days"
    return "decision"


@register.inclusion_tag("waivers/_price_arithmetic.html")
def price_arithmetic(price_preference) -> dict:
    """FAR 25.106 step by step, from PricePreference.evaluation."""
    evaluation = price_preference.evaluation
    if price_preference.is_dod:
        reason = "the acquisition is by the Department of Defense (DFARS)"
    elif price_preference.domestic_business_size == price_preference.BusinessSize.SMALL:
        reason = "the lowest domestic offer is from a small business"
    else:
        reason = "the lowest domestic offer is from a large business"
    difference = evaluation.difference
    if difference < 0:
        gap = f"{money(-difference)} below"
    elif difference == 0:
        gap = "equal to"
    else:
        gap = f"{money(difference)} above"
    return {
        "L": money(evaluation.lowest_foreign_offer),
        "D": money(evaluation.lowest_domestic_offer),
        "f": f"{evaluation.factor:.2f}",
        "f_percent": percent(evaluation.factor),
        "one_plus_f": f"{1 + evaluation.factor:.2f}",
        "E": money(evaluation.evaluated_foreign_price),
        "reason": reason,
        "reasonable": evaluation.domestic_is_reasonable,
        "gap": gap,
        "comparison": "≤" if evaluation.domestic_is_reasonable else ">",
    }


@register.filter
def review_state(waiver) -> str:
    """Where MIAO's review stands: determined, waived, open, report (urgent
    reports have no review), unpublished (imported, and MIAO published no
    determination) or withdrawn (withdrawn before any determination)."""
    if waiver.determination:
        return "determined"
    if waiver.waiver_type == Waiver.Type.URGENT_REPORT:
        return "report"
    if waiver.is_open_for_review:
        return "open"
    if waiver.awaits_published_determination:
        return "unpublished"
    if waiver.status == Waiver.Status.WITHDRAWN:
        return "withdrawn"
    return "waived"


@register.simple_tag
def expiry(waiver) -> str:
    """When the waiver ends, with "(estimate)" when MIAO published no
    expiration date (waivers.models.expiry)."""
    if waiver.expires is None:
        return "Not known"
    text = us_date(waiver.expires)
    if waiver.expires_is_estimate:
        return (
            f"{text} (estimate: determination or submission date plus the expected "
            "maximum duration)"
        )
    return text


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (0 when missing): a table cell per series."""
    return mapping.get(key, 0)


@register.filter
def split(text: str) -> list[str]:
    """Words of a string ("a b"|split): a fixed list in a template."""
    return text.split()


@register.filter
def share(value) -> str:
    """A share already in percent (one decimal), or a dash when there is none."""
    return "—" if value is None else f"{value:g}%"
