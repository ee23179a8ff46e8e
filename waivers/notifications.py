"""Emails to staff about the review workflow. waivers.services calls these
inside the transaction of the change, and they write one message per
recipient to the mail outbox (outbox.mail), which `send_mail_outbox`
delivers: nothing is sent for a change that rolls back, each committed change
sends exactly one message to each recipient, and no request waits on (or
fails with) the mail server.

- waiver_submitted: to every active MIAO reviewer with an email address.
- determination_recorded: to the active submitters of the waiver's
  contracting agency (directly, or through its department).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from agencies.models import Agency, AgencyMembership
from outbox.mail import Message, enqueue
from waivers.models import Waiver

Role = AgencyMembership.Role


def _emails(users) -> list[str]:
    return sorted({u.email for u in users if u.email})


def reviewer_emails() -> list[str]:
    users = get_user_model().objects.filter(
        is_active=True, agency_memberships__role=Role.MIAO_REVIEWER
    )
    return _emails(users)


def agency_staff_emails(waiver: Waiver, *role_names: str) -> list[str]:
    """Active users holding one of `role_names` for the waiver's contracting
    agency, directly or through its department."""
    memberships = AgencyMembership.objects.filter(
        role__in=role_names, agency__in=Agency.objects.containing(waiver.contracting_agency)
    )
    users = get_user_model().objects.filter(is_active=True, pk__in=memberships.values("user_id"))
    return _emails(users)


def submitter_emails(waiver: Waiver) -> list[str]:
    return agency_staff_emails(waiver, Role.AGENCY_SUBMITTER)


def _admin_link(waiver: Waiver) -> str:
    try:
        path = reverse("admin:waivers_waiver_change", args=[waiver.pk])
    except NoReverseMatch:  # pragma: no cover - admin always installed here
        return ""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _send(kind: str, subject: str, body: str, recipients: list[str]) -> int:
    for recipient in recipients:
        enqueue(Message(kind=f"waivers.{kind}", to=recipient, subject=subject, text=body))
    return len(recipients)


def waiver_submitted(waiver_pk: int) -> int:
    waiver = Waiver.objects.select_related("contracting_agency").get(pk=waiver_pk)
    due = f"{waiver.review_due_date:%A %d %B %Y}" if waiver.review_due_date else "none (report)"
    body = (
        f"{waiver.contracting_agency.display_name} submitted waiver {waiver.public_id} "
        f"({waiver.get_waiver_type_display()}): {waiver.procurement_title}\n\n"
        f"Review due: {due}\n{_admin_link(waiver)}\n"
    )
    return _send(
        "waiver_submitted",
        f"Waiver submitted for review: {waiver.public_id}",
        body,
        reviewer_emails(),
    )


def determination_recorded(waiver_pk: int) -> int:
    waiver = Waiver.objects.select_related("contracting_agency__parent").get(pk=waiver_pk)
    lines = [
        f"MIAO recorded its determination on waiver {waiver.public_id}: "
        f"{waiver.get_determination_display()}.",
        f"Procurement: {waiver.procurement_title}",
    ]
    if waiver.determination_conditions:
        lines.append(f"Conditions: {waiver.determination_conditions}")
    if waiver.determination_explanation:
        lines.append(f"Explanation: {waiver.determination_explanation}")
    lines.append(_admin_link(waiver))
    return _send(
        "determination_recorded",
        f"MIAO determination on {waiver.public_id}: {waiver.get_determination_display()}",
        "\n\n".join(lines) + "\n",
        submitter_emails(waiver),
    )
