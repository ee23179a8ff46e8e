"""Shared steps of the supplier-response tests: respond as a manufacturer
would (the form, then the link from the outbox message), read the outbox."""

import re

from outbox.models import OutboxMessage
from responses.models import SupplierResponse

VALID = {
    "company_name": "Acme Photonics Inc.",
    "uei": "J7M9HPTGJ1S9",
    "cage_code": "1ABC2",
    "contact_name": "Pat Maker",
    "contact_email": "pat@acme-photonics.example",
    "contact_phone": "+1 (301) 555-0100",
    "city": "Rochester",
    "state": "NY",
    "capability": "We make tunable narrow-linewidth lasers in Rochester, NY.",
    "us_content_percent": "85",
    "lead_time": "12 weeks after order",
    "capacity": "20 units a month",
    "product_url": "https://acme-photonics.example/lasers",
    "public_consent": "yes",
    "website": "",
}


def form(**overrides) -> dict:
    data = {**VALID, **overrides}
    return {name: value for name, value in data.items() if value is not None}


def respond_url(waiver) -> str:
    return f"/waivers/{waiver.public_id}/respond/"


def confirmation_to(email: str) -> OutboxMessage:
    return OutboxMessage.objects.filter(kind="responses.confirm", to=email).latest("id")


def confirm_path(message: OutboxMessage) -> str:
    """The path of the confirmation link in the message's text."""
    found = re.search(r"https?://[^/\s]+(/responses/confirm/[^/\s]+/)", message.text_body)
    assert found, message.text_body
    return found.group(1)


def respond_and_confirm(client, waiver, **overrides) -> SupplierResponse:
    """The whole double opt-in, through the pages and the message."""
    data = form(**overrides)
    answer = client.post(respond_url(waiver), data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    path = confirm_path(confirmation_to(data["contact_email"]))
    assert client.post(path).status_code == 200
    return SupplierResponse.objects.get(
        waiver=waiver, uei=data["uei"].upper(), confirmed_at__isnull=False
    )
