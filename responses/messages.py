"""The emails of supplier responses (plain text, templates/responses/email/),
returned as outbox messages ready to queue:

- confirm: to the contact, the link that makes the response count;
- already: to the contact instead, when the company's response to this
  waiver is already confirmed (the page answers the same either way);
- received: to each of the waiver's agency staff and each MIAO reviewer,
  once a response is confirmed. It names the company and links to the
  admin; contact details stay in the admin."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from outbox.mail import Message
from responses import tokens
from responses.models import SupplierResponse


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _asked_for(kind: str, to: str, subject: str, template: str, context: dict) -> Message:
    """A message the contact has just asked for (sent even to an address
    marked failing, see outbox.sender)."""
    return Message(
        kind=kind,
        to=to,
        subject=subject,
        text=render_to_string(f"responses/email/{template}.txt", context),
        headers={"Auto-Submitted": "auto-replied"},
        requested=True,
    )


def _waiver_context(waiver) -> dict:
    return {
        "waiver": waiver,
        "title": waiver.procurement_title or "Untitled procurement",
        "waiver_url": absolute(waiver.get_absolute_url()),
    }


def confirmation(response: SupplierResponse) -> Message:
    token = tokens.make("confirm", response.pk)
    context = {
        **_waiver_context(response.waiver),
        "response": response,
        "confirm_url": absolute(reverse("responses:confirm", args=[token])),
        "days": tokens.CONFIRM_DAYS,
    }
    subject = f"Confirm your response to waiver {response.waiver.public_id}"
    return _asked_for("responses.confirm", response.contact_email, subject, "confirm", context)


def already(*, to: str, waiver, company_name: str) -> Message:
    context = {**_waiver_context(waiver), "company_name": company_name}
    subject = f"About your response to waiver {waiver.public_id}"
    return _asked_for("responses.already", to, subject, "already", context)


def received(response: SupplierResponse, to: str) -> Message:
    path = reverse("admin:responses_supplierresponse_change", args=[response.pk])
    context = {
        **_waiver_context(response.waiver),
        "response": response,
        "admin_url": absolute(path),
    }
    return Message(
        kind="responses.received",
        to=to,
        subject=f"A U.S. manufacturer responded to waiver {response.waiver.public_id}",
        text=render_to_string("responses/email/received.txt", context),
        headers={"Auto-Submitted": "auto-generated"},
    )
