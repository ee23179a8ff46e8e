"""Validation rules for waiver content that staff enter, shared by the admin
forms and available to the API and importer. Each function raises Django's
ValidationError (keyed by field where it concerns one) or returns a cleaned
value; none touches the database except the code look-ups.

Identifier shapes (docs/decisions/0004-staff-roles-and-scope.md lists them too):

- PIID, FAR 4.1603(a): 13 to 17 letters and digits, no special characters
  (no hyphens, dashes or spaces): positions 1-6 the issuing office's Activity
  Address Code, 7-8 the fiscal year (digits), 9 the instrument-type letter,
  10-17 a serial number of 4 to 8 characters.
- Solicitation ID: FAR 4.1601 gives solicitations a PIID in the same format
  (position 9 then names the solicitation type, e.g. Q, R, B), so the same shape.

Both are upper-cased and stripped of surrounding spaces before checking.
Records imported from MIAO's 2021-22 data often predate or ignore this shape;
the admin checks the shape only of values a user enters or changes.
"""

import datetime as dt
import re

import pycountry
from django.core.exceptions import ValidationError
from django.utils import timezone

from waivers.models import JonesActDetail, NaicsCode, PscCode, Waiver

PIID_RE = re.compile(r"^[A-Z0-9]{6}[0-9]{2}[A-Z][A-Z0-9]{4,8}$")
PIID_HELP = (
    "13–17 letters and digits with no hyphens or spaces (FAR 4.1603): office code (6), "
    "fiscal year (2 digits), instrument letter, serial number — e.g. 1333ND22PNB680101."
)

# Fields a waiver must have before it can be posted, by type (used by
# waivers.services.check_ready_to_submit and the admin forms).
REQUIRED_TO_SUBMIT = {
    "common": ("procurement_title", "summary", "rationale", "naics", "psc"),
    Waiver.Type.URGENT_REPORT: (),
    Waiver.Type.JONES_ACT: (),
    Waiver.Type.NONAVAILABILITY: ("procurement_stage", "coverage", "expected_duration"),
    Waiver.Type.UNREASONABLE_COST: ("procurement_stage", "coverage", "expected_duration"),
    Waiver.Type.PUBLIC_INTEREST: ("procurement_stage", "coverage", "expected_duration"),
}
# The type-specific detail row each type needs: (related name, description).
REQUIRED_DETAIL = {
    Waiver.Type.UNREASONABLE_COST: ("price_preference", "the price-preference figures"),
    Waiver.Type.JONES_ACT: ("jones_act", "the Jones Act vessel and voyage details"),
    Waiver.Type.URGENT_REPORT: ("urgent_report", "the urgent report details"),
}
# Fields of MIAO's current form that apply only to some waiver types (the
# admin shows them only there); the other content fields apply to every type.
TYPE_SPECIFIC_FIELDS = {
    "public_interest_justification": (Waiver.Type.PUBLIC_INTEREST,),
    "cost_advantage_assessment": (
        Waiver.Type.NONAVAILABILITY,
        Waiver.Type.UNREASONABLE_COST,
        Waiver.Type.PUBLIC_INTEREST,
    ),
    "end_product_cots": tuple(t for t in Waiver.Type if t != Waiver.Type.JONES_ACT),
    "end_product_critical": tuple(t for t in Waiver.Type if t != Waiver.Type.JONES_ACT),
    "end_product_iron_steel": tuple(t for t in Waiver.Type if t != Waiver.Type.JONES_ACT),
}


def applies_to(field_name: str, waiver_type: str) -> bool:
    """Whether a content field belongs on a waiver of this type."""
    types = TYPE_SPECIFIC_FIELDS.get(field_name)
    return types is None or waiver_type in types


def validate_waiver_dates(values: dict) -> None:
    """A waiver cannot expire before it starts."""
    start, end = values.get("start_date"), values.get("expiration_date")
    if start and end and end < start:
        raise ValidationError({"expiration_date": "The expiration date is before the start date."})


# Urgent reports must give every report field before posting.
URGENT_REPORT_REQUIRED = (
    "contract_number",
    "contract_signed_date",
    "urgency_contributed",
    "urgency_explanation",
    "mission_impact",
)

JONES_ACT_MIN_PUBLICATION = dt.timedelta(hours=48)
JONES_ACT_MAX_DAYS = 10
JONES_ACT_MAX_EXTENSION_DAYS = 10
JONES_ACT_MAX_TOTAL_DAYS = 45


def required_fields(waiver_type: str) -> tuple[str, ...]:
    return REQUIRED_TO_SUBMIT["common"] + REQUIRED_TO_SUBMIT.get(waiver_type, ())


def normalise_identifier(value: str) -> str:
    return (value or "").strip().upper()


def validate_piid(value: str, *, label: str = "PIID") -> str:
    """Return the PIID upper-cased, or raise naming what is wrong with it."""
    piid = normalise_identifier(value)
    if not piid:
        raise ValidationError(f"Enter a {label}.")
    if re.search(r"[^A-Z0-9]", piid):
        raise ValidationError(
            f"{label} “{value.strip()}” contains spaces or special characters; FAR 4.1603 "
            "allows letters and digits only.",
            code="piid_characters",
        )
    if not 13 <= len(piid) <= 17:
        raise ValidationError(
            f"{label} “{piid}” has {len(piid)} characters; it must have 13 to 17.",
            code="piid_length",
        )
    if not PIID_RE.match(piid):
        raise ValidationError(
            f"{label} “{piid}” is not in the FAR 4.1603 format: characters 7–8 are the "
            "fiscal year (digits) and character 9 the instrument-type letter.",
            code="piid_format",
        )
    return piid


def validate_solicitation_id(value: str) -> str:
    return validate_piid(value, label="Solicitation ID")


def normalise_country(value: str) -> str:
    """An ISO 3166-1 alpha-2 or alpha-3 code (any case) → alpha-2."""
    code = (value or "").strip().upper()
    country = None
    if len(code) == 2:
        country = pycountry.countries.get(alpha_2=code)
    elif len(code) == 3:
        country = pycountry.countries.get(alpha_3=code)
    if country is None:
        raise ValidationError(
            f"“{value.strip()}” is not an ISO 3166-1 country code (e.g. FR or FRA).",
            code="country",
        )
    return country.alpha_2


def normalise_countries(values) -> list[str]:
    cleaned, errors = [], []
    for value in values:
        try:
            code = normalise_country(value)
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        if code not in cleaned:
            cleaned.append(code)
    if errors:
        raise ValidationError(errors)
    return cleaned


def validate_naics(naics: NaicsCode | None) -> None:
    if naics is not None and not naics.in_reference:
        raise ValidationError(
            f"NAICS {naics.code} is not in the NAICS reference list; choose a listed code.",
            code="naics_unlisted",
        )


def validate_psc(psc: PscCode | None, *, on: dt.date | None = None) -> None:
    if psc is None:
        return
    if not psc.in_reference:
        raise ValidationError(
            f"PSC {psc.code} is not in the PSC reference list; choose a listed code.",
            code="psc_unlisted",
        )
    if len(psc.code) != 4:
        raise ValidationError(
            f"{psc.code} is a PSC category; choose a four-character product or service code.",
            code="psc_category",
        )
    on = on or timezone.localdate()
    if psc.end_date is not None and psc.end_date <= on:
        raise ValidationError(
            f"PSC {psc.code} was retired on {psc.end_date:%Y-%m-%d}; choose its replacement.",
            code="psc_retired",
        )


def missing_required(waiver_type: str, values: dict) -> dict[str, str]:
    """{field: message} for each field a waiver of this type still needs to be
    posted, given its values (form cleaned data or model attributes)."""
    missing = {}
    for name in required_fields(waiver_type):
        if values.get(name) in ("", None, []):
            label = Waiver._meta.get_field(name).verbose_name
            missing[name] = f"A {Waiver.Type(waiver_type).label.lower()} waiver needs its {label}."
    return missing


def validate_urgent_report(values: dict) -> None:
    """The report fields an urgent requirements report must give, and their shape."""
    errors = {}
    for name in URGENT_REPORT_REQUIRED:
        if values.get(name) in ("", None):
            errors[name] = "An urgent requirements report needs this."
    contract = values.get("contract_number")
    if contract:
        try:
            validate_piid(contract, label="Contract number")
        except ValidationError as error:
            errors["contract_number"] = error.messages[0]
    signed = values.get("contract_signed_date")
    if signed and signed > timezone.localdate():
        errors["contract_signed_date"] = "The contract cannot have been signed in the future."
    if errors:
        raise ValidationError(errors)


def validate_jones_act(values: dict) -> None:
    """46 U.S.C. 501 timing and length rules (DOMAIN.md), keyed by field.

    - published no earlier than received;
    - §501(b) requests: no decision sooner than 48 hours after publication
      (so a decision needs the publication time); §501(a) requests from the
      Secretary of Defense carry no such wait;
    - no waiver granted for a vessel already laden when requested;
    - up to 10 days, one extension of at most 10 days, 45 days in total (with
      the first two limits one record cannot pass 20 days; the 45-day cap in
      the statute is on all waivers for one event, which a record does not
      identify, so only the per-record total is checked here);
    - a grant states its length, a denial its reasons, a decision its date.
    """
    errors: dict[str, str] = {}
    received, published = values.get("received_at"), values.get("published_at")
    decision, decided_at = values.get("decision") or "", values.get("decided_at")
    if received and published and published < received:
        errors["published_at"] = "Publication cannot come before the request was received."
    start, end = values.get("window_start"), values.get("window_end")
    if start and end and end < start:
        errors["window_end"] = "The requested window ends before it starts."
    if decision and not decided_at:
        errors["decided_at"] = "Give the date and time of the decision."
    if decided_at and not decision:
        errors["decision"] = "Say whether the waiver was granted or denied."
    if decision and values.get("authority") == JonesActDetail.Authority.OTHER:
        if not published:
            errors["published_at"] = "A §501(b) request must be published before it is decided."
        elif decided_at and decided_at < published + JONES_ACT_MIN_PUBLICATION:
            earliest = timezone.localtime(published + JONES_ACT_MIN_PUBLICATION)
            errors["decided_at"] = (
                "A §501(b) waiver may be decided no sooner than 48 hours after the request "
                f"was published (here: not before {earliest:%Y-%m-%d %H:%M})."
            )
    if decision == JonesActDetail.Decision.GRANTED:
        if values.get("laden_at_request"):
            errors["laden_at_request"] = (
                "No waiver may be granted for a vessel already laden when it was requested."
            )
        if not values.get("valid_days"):
            errors["valid_days"] = "A granted waiver states how many days it is valid."
    denial_reasons = (values.get("denial_reasons") or "").strip()
    if decision == JonesActDetail.Decision.DENIED and not denial_reasons:
        errors["denial_reasons"] = "A denial must give its reasons."
    valid_days = values.get("valid_days") or 0
    extension = values.get("extension_days") or 0
    if valid_days > JONES_ACT_MAX_DAYS:
        errors["valid_days"] = f"A waiver lasts at most {JONES_ACT_MAX_DAYS} days."
    if extension > JONES_ACT_MAX_EXTENSION_DAYS:
        errors["extension_days"] = (
            f"The one extension lasts at most {JONES_ACT_MAX_EXTENSION_DAYS} days."
        )
    elif extension and not valid_days:
        errors["extension_days"] = "Only a granted waiver with a length can be extended."
    elif valid_days + extension > JONES_ACT_MAX_TOTAL_DAYS:
        errors["extension_days"] = (
            f"A waiver lasts at most {JONES_ACT_MAX_TOTAL_DAYS} days in total."
        )
    if errors:
        raise ValidationError(errors)


def validate_price_preference(values: dict) -> None:
    errors = {}
    for name in ("lowest_foreign_offer", "lowest_domestic_offer"):
        value = values.get(name)
        if value is not None and value <= 0:
            errors[name] = "Enter an offer greater than zero."
    if errors:
        raise ValidationError(errors)
