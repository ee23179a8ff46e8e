"""The demonstration waivers of `manage.py seed_demo`, read from
demo_waivers.json.

MIAO's published record (the 2021-2026 export and the 2022 files, imported
by seed_demo) holds nonavailability and public-interest waivers and urgent
reports, submitted or reviewed, with every determination. The demo records
are only for what it lacks -- the unreasonable-cost and Jones Act types, and
the draft, in-review, review-waived, decided (final decisions) and withdrawn
statuses -- so the site shows every type and every status: each is built through
waivers.services exactly as staff would build it (create_draft, submit, then
the transitions its `steps` name), with its type-specific details checked by
waivers.validation. The agencies, NAICS and PSC codes are real reference
codes; the procurements, vessels, people and contract numbers are
illustrative.

Every record has a stable source id ("demo-…"), from which its public id is
derived as the importer derives it, so re-running the seed adds nothing and a
fresh database gives the same URLs. Times are relative to the moment of
seeding, so the records under review show a live review clock.

A record in the file:

- `source_id`, `waiver_type`, `agency` (contracting and funding), `naics`,
  `psc`, and `fields`: the content fields given to create_draft;
- `posted_days_ago`: when it was submitted (on the hour, that many days
  before seeding; created a day earlier); null keeps it a draft;
- `steps`: transitions after posting, each `{"action": <a transition of
  waivers.services>, "hours_after_posting": N, <its keyword arguments>}`;
- `details`: type-specific rows by related name (`price_preference`,
  `jones_act`, `urgent_report`), and `internal`: government-only fields.

Supplier responses to some of the records, in every outcome, are in
demo_responses.json (by source id), added with their waiver.

In `details`, `{"hours_after_posting": N}` or `{"days_after_posting": N}`
stands for that moment (a date field takes its date).
"""

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from django.db import models, transaction
from django.utils import timezone

from agencies.models import Agency
from responses import services as response_services
from responses.models import SupplierResponse
from waivers import services, validation, workflow
from waivers.importers.miao import public_id_for_source
from waivers.models import NaicsCode, PscCode, Waiver

DEMO_FILE = Path(__file__).with_name("demo_waivers.json")
# Supplier responses to some of them, by source id (every outcome appears).
RESPONSES_FILE = Path(__file__).with_name("demo_responses.json")
SEED_NOTE = "Demonstration record added by seed_demo."
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

# The detail rows a record may carry (Waiver's one-to-one related names), in
# the order they are saved, with the validation staff input gets.
DETAILS: dict[str, Callable[[dict], None] | None] = {
    "price_preference": validation.validate_price_preference,
    "jones_act": validation.validate_jones_act,
    "urgent_report": validation.validate_urgent_report,
    "internal": None,
}
# Transitions a step may name; submitting is the posting itself.
STEP_ACTIONS = frozenset(workflow.TRANSITIONS) - {workflow.SUBMIT}
_RELATIVE = {"days_after_posting": DAY, "hours_after_posting": HOUR}


def load_demo_waivers(path: Path = DEMO_FILE) -> list[dict]:
    """The records of the demo file."""
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)["waivers"]


def _moment(value, posted: dt.datetime) -> dt.datetime | None:
    """The moment a relative time stands for; None for any other value."""
    if not isinstance(value, dict) or not value or not set(value) <= set(_RELATIVE):
        return None
    return posted + sum((_RELATIVE[unit] * n for unit, n in value.items()), dt.timedelta())


def _detail(model: type[models.Model], values: dict, posted: dt.datetime) -> dict:
    """A detail row's values as its model's fields hold them."""
    row = {}
    for name, value in values.items():
        field = model._meta.get_field(name)
        moment = _moment(value, posted)
        if moment is None:
            row[name] = field.to_python(value)
        else:
            row[name] = moment if isinstance(field, models.DateTimeField) else moment.date()
    return row


def _details(spec: dict, posted: dt.datetime) -> list[models.Model]:
    given = dict(spec.get("details", {}))
    if "internal" in spec:
        given["internal"] = spec["internal"]
    unknown = set(given) - set(DETAILS)
    if unknown:
        raise ValueError(f"{spec['source_id']}: unknown details {', '.join(sorted(unknown))}")
    rows = []
    for name, validate in DETAILS.items():
        if name not in given:
            continue
        model = Waiver._meta.get_field(name).related_model
        values = _detail(model, given[name], posted)
        if validate is not None:
            validate(values)
        rows.append(model(**values))
    return rows


def _build(spec: dict, now: dt.datetime) -> Waiver:
    agency = Agency.objects.get(code=spec["agency"])
    days = spec["posted_days_ago"]
    posted = (now - dt.timedelta(days=days or 0)).replace(minute=0, second=0, microsecond=0)
    fields = spec.get("fields", {})
    for piid in fields.get("piids", []):
        validation.validate_piid(piid)
    waiver = services.create_draft(
        actor=None,
        waiver_type=spec["waiver_type"],
        contracting_agency=agency,
        funding_agency=agency,
        naics=NaicsCode.objects.get(code=spec["naics"]),
        psc=PscCode.objects.get(code=spec["psc"]),
        note=SEED_NOTE,
        at=posted - DAY,
        details=_details(spec, posted),
        source_id=spec["source_id"],
        public_id=public_id_for_source(spec["source_id"]),
        **fields,
    )
    if days is None:
        return waiver
    services.submit(waiver, actor=None, at=posted, note=SEED_NOTE)
    for step in spec.get("steps", []):
        arguments = dict(step)
        action = arguments.pop("action")
        if action not in STEP_ACTIONS:
            raise ValueError(f"{spec['source_id']}: {action!r} is not a transition of a posting")
        at = posted + arguments.pop("hours_after_posting") * HOUR
        if action == "record_final_decision":
            arguments = {"decided_on": timezone.localdate(at), **arguments}
        getattr(services, action)(waiver, actor=None, at=at, **arguments)
    _responses(waiver, spec["source_id"], posted)
    return waiver


def load_demo_responses(path: Path = RESPONSES_FILE) -> dict[str, list[dict]]:
    return json.loads(path.read_text(encoding="utf-8"))["responses"]


def _responses(waiver: Waiver, source_id: str, posted: dt.datetime) -> None:
    """The demo responses of a waiver, recorded, confirmed and given their
    outcome through responses.services (no messages: nobody asked for them)."""
    for given in load_demo_responses().get(source_id, []):
        fields = dict(given)
        at = posted + fields.pop("confirmed_hours_after_posting") * HOUR
        outcome, note = fields.pop("outcome"), fields.pop("outcome_note")
        response = response_services.record_response(waiver=waiver, fields=fields)
        response_services.confirm(response.pk, now=at, notify=False)
        if outcome != SupplierResponse.Outcome.NEW:
            response_services.record_outcome(
                response, actor=None, outcome=outcome, note=note, at=at + DAY
            )


def seed_demo_waivers(
    now: dt.datetime | None = None, records: list[dict] | None = None
) -> tuple[int, int]:
    """Add the demo waivers that are not there yet; returns (created, already present)."""
    now = now or timezone.now()
    created = present = 0
    for spec in load_demo_waivers() if records is None else records:
        if Waiver.objects.filter(source_id=spec["source_id"]).exists():
            present += 1
            continue
        with transaction.atomic():
            _build(spec, now)
        created += 1
    return created, present
