"""Writes to supplier responses. Every message a change causes is queued in
the outbox inside the same transaction (outbox.mail.enqueue); outcomes change
only through record_outcome, which writes their history and audit rows."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import AgencyMembership
from alerts import services as alerts
from alerts.models import Subscription
from outbox.addresses import address_key, normalise
from outbox.mail import enqueue
from responses import messages
from responses.models import OutcomeChange, SupplierResponse
from responses.tokens import CONFIRM_DAYS
from waivers import audit, notifications
from waivers.models import Waiver, WaiverAuditEntry

Role = AgencyMembership.Role
# A response not confirmed within this time lapses (and its link has expired).
UNCONFIRMED_LAPSE = dt.timedelta(days=CONFIRM_DAYS)


class ResponseError(Exception):
    """Base class for refused response operations."""


class UnknownResponse(ResponseError):
    """The link is genuine but its response no longer exists (it lapsed)."""


class ResponsesClosed(ResponseError):
    """The waiver takes no responses: it was withdrawn (or is not public)."""


class AlreadyCounted(ResponseError):
    """This company's response to this waiver is already confirmed."""


def accepts_responses(waiver: Waiver) -> bool:
    """Every posted waiver except withdrawn ones (and never a draft or a test record)."""
    return (
        waiver.status not in (Waiver.Status.DRAFT, Waiver.Status.WITHDRAWN)
        and not waiver.is_test_record
    )


def request_response(*, waiver: Waiver, fields: dict) -> str:
    """Record an unconfirmed response and mail its contact the confirmation
    link; when the company's response to this waiver is already confirmed,
    mail a notice instead and record nothing. Returns which ("confirm",
    "already"): the page answers the same either way."""
    if not accepts_responses(waiver):
        raise ResponsesClosed(waiver.public_id)
    email = normalise(fields["contact_email"])
    with transaction.atomic():
        if SupplierResponse.objects.confirmed().filter(waiver=waiver, uei=fields["uei"]).exists():
            enqueue(messages.already(to=email, waiver=waiver, company_name=fields["company_name"]))
            return "already"
        response = record_response(waiver=waiver, fields=fields)
        enqueue(messages.confirmation(response))
    return "confirm"


def record_response(*, waiver: Waiver, fields: dict) -> SupplierResponse:
    """Save an unconfirmed response (request_response mails its link)."""
    email = normalise(fields["contact_email"])
    response = SupplierResponse(
        waiver=waiver, **{**fields, "contact_email": email}, email_key=address_key(email)
    )
    response.full_clean()
    response.save()
    return response


def get_response(pk: int) -> SupplierResponse:
    try:
        return SupplierResponse.objects.select_related("waiver").get(pk=pk)
    except SupplierResponse.DoesNotExist:
        raise UnknownResponse(pk) from None


def confirm(pk: int, *, now: dt.datetime | None = None, notify: bool = True) -> SupplierResponse:
    """Confirm a response (idempotent): it counts from now on. In the same
    transaction: the waiver's public count is recounted, the contact follows
    the waiver (alerts, as it happens: MIAO's determination and the final
    decision reach them), and the waiver's agency staff and MIAO reviewers
    are notified through the outbox. `notify=False` (demonstration data)
    leaves out the follow and the messages."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            try:
                response = (
                    SupplierResponse.objects.select_for_update(of=("self",))
                    .select_related("waiver")
                    .get(pk=pk)
                )
            except SupplierResponse.DoesNotExist:
                raise UnknownResponse(pk) from None
            if response.confirmed_at is not None:
                return response
            # Confirmations of one waiver take turns: each recount sees the others.
            waiver = Waiver.objects.select_for_update().get(pk=response.waiver_id)
            if not accepts_responses(waiver):
                raise ResponsesClosed(waiver.public_id)
            if (
                SupplierResponse.objects.confirmed()
                .filter(waiver=waiver, uei=response.uei)
                .exists()
            ):
                raise AlreadyCounted(waiver.public_id)
            response.confirmed_at = now
            response.save(update_fields=["confirmed_at", "updated_at"])
            _recount(waiver, now)
            if not notify:
                return response
            alerts.follow_confirmed(
                email=response.contact_email,
                target=alerts.Target.of_waiver(waiver),
                frequency=Subscription.Frequency.IMMEDIATE,
                now=now,
            )
            for recipient in staff_emails(waiver):
                enqueue(messages.received(response, recipient))
    except IntegrityError:  # response_confirmed_once_per_company, under a race
        raise AlreadyCounted(pk) from None
    return response


def _recount(waiver: Waiver, now: dt.datetime) -> None:
    """The waiver's public count of confirmed responses, counted again (never
    incremented, so it cannot drift). The public record changed: updated_at moves."""
    count = SupplierResponse.objects.confirmed().filter(waiver=waiver).count()
    Waiver.objects.filter(pk=waiver.pk).update(supplier_response_count=count, updated_at=now)


def staff_emails(waiver: Waiver) -> list[str]:
    """Who hears of a confirmed response: the waiver's agency submitters and
    viewers (directly or through its department) and every MIAO reviewer."""
    agency_staff = notifications.agency_staff_emails(
        waiver, Role.AGENCY_SUBMITTER, Role.AGENCY_VIEWER
    )
    return sorted(set(agency_staff) | set(notifications.reviewer_emails()))


def record_outcome(
    response: SupplierResponse,
    *,
    actor,
    outcome: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> SupplierResponse:
    """Staff record what came of a response (contacted, capable, ...), with a
    note. Writes an OutcomeChange row and an audit entry on the waiver in the
    same transaction. Callers check the actor's scope (responses.scope)."""
    note = note.strip()
    if outcome not in SupplierResponse.Outcome.values:
        raise ValidationError({"outcome": f"{outcome!r} is not an outcome."})
    at = at or timezone.now()
    with transaction.atomic():
        locked = (
            SupplierResponse.objects.select_for_update(of=("self",))
            .select_related("waiver")
            .get(pk=response.pk)
        )
        if locked.confirmed_at is None:
            raise ResponseError("An unconfirmed response has no outcome.")
        before = locked.outcome
        locked.outcome = outcome
        locked.outcome_note = note
        locked.full_clean()
        locked.save(update_fields=["outcome", "outcome_note", "updated_at"])
        OutcomeChange.objects.create(
            response=locked, from_outcome=before, to_outcome=outcome, actor=actor, at=at, note=note
        )
        audit.record(
            locked.waiver,
            action=WaiverAuditEntry.Action.RESPONSE_OUTCOME,
            actor=actor,
            at=at,
            reason=note,
            changes=[
                {
                    "field": f"supplier_response.{locked.pk}.outcome",
                    "old": before,
                    "new": outcome,
                }
            ],
        )
    response.refresh_from_db()
    return response


def lapse_unconfirmed(*, now: dt.datetime | None = None) -> int:
    """Delete responses never confirmed within UNCONFIRMED_LAPSE (with their
    contact details)."""
    cutoff = (now or timezone.now()) - UNCONFIRMED_LAPSE
    deleted, _ = SupplierResponse.objects.unconfirmed().filter(created_at__lt=cutoff).delete()
    return deleted
