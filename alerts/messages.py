"""The alert emails, each with a plain-text and an HTML part
(templates/alerts/email/), returned as outbox messages ready to queue.

Only public fields reach a message: digests read waivers through
WaiverSummary, built from Waiver.objects.public()."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from alerts import follow, tokens
from alerts.models import PublicChange, Subscription
from outbox.mail import Message
from waivers.models import Waiver

# A digest is rendered once for all the subscribers of a search who get the
# same changes; these stand for what differs between them (letters only, so
# they survive escaping): the subscription's own unsubscribe link, and the day
# of its previous message.
UNSUBSCRIBE_PLACEHOLDER = "ALERTSUNSUBSCRIBEURLPLACEHOLDER"
SINCE_PLACEHOLDER = "ALERTSSINCEDAYPLACEHOLDER"
# A digest lists at most this many waivers; the rest are a link away.
MAX_ITEMS = 50


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _day(value) -> str:
    return date_format(timezone.localtime(value), "j F Y") if value else ""


def _render(template: str, context: dict) -> tuple[str, str]:
    return (
        render_to_string(f"alerts/email/{template}.txt", context),
        render_to_string(f"alerts/email/{template}.html", context),
    )


def _site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _common() -> dict:
    return {
        "site_url": settings.SITE_URL.rstrip("/"),
        "manage_url": absolute(reverse("alerts:manage_request")),
    }


# --- what a subscription follows, in words ------------------------------------------


def subject_of(subscription: Subscription) -> str:
    """What the subscription follows, in words (pages and messages)."""
    if subscription.kind == Subscription.Kind.WAIVER:
        waiver = subscription.waiver
        title = waiver.procurement_title or "untitled procurement"
        return f"Waiver {waiver.public_id}: {title}"
    return follow.describe(subscription.query)


def search_url(query: str) -> str:
    return absolute(reverse("waivers:list") + (f"?{query}" if query else ""))


# --- confirmation, notices and the manage link ---------------------------------------


def _asked_for(kind: str, to: str, subject: str, template: str, context: dict) -> Message:
    """A message the address has just asked for (sent even to an address
    marked failing, see outbox.sender)."""
    text, html = _render(template, {**_common(), **context})
    return Message(
        kind=kind,
        to=to,
        subject=subject,
        text=text,
        html=html,
        headers={"Auto-Submitted": "auto-replied"},
        requested=True,
    )


def confirmation(subscription: Subscription, to: str) -> Message:
    token = tokens.make("confirm", subscription.pk)
    context = {
        "follows": subject_of(subscription),
        "frequency": subscription.get_frequency_display().lower(),
        "confirm_url": absolute(reverse("alerts:confirm", args=[token])),
        "days": tokens.CONFIRM_DAYS,
    }
    subject = "Confirm your Made in America waiver alert"
    return _asked_for("alerts.confirm", to, subject, "confirm", context)


def notice(to: str, *, reason: str, follows: str) -> Message:
    """Told instead of a confirmation: the address already follows this
    (reason "already"), or follows as many things as it may ("limit"). The
    page answers the same either way."""
    subject = "About your Made in America waiver alert"
    context = {"reason": reason, "follows": follows}
    return _asked_for(f"alerts.{reason}", to, subject, "notice", context)


def manage_link(subscriber_id: int, to: str) -> Message:
    token = tokens.make("manage", subscriber_id)
    context = {
        "link": absolute(reverse("alerts:manage", args=[token])),
        "hours": tokens.MANAGE_HOURS,
    }
    subject = "Your Made in America waiver alerts"
    return _asked_for("alerts.manage_link", to, subject, "manage_link", context)


# --- digests ------------------------------------------------------------------------


@dataclass(frozen=True)
class WaiverSummary:
    """The public facts a digest shows about a waiver."""

    public_id: str
    title: str
    url: str
    agency: str
    waiver_type: str
    status: str
    naics: str
    psc: str
    submitted: str
    determination: str
    final_decision: str

    @classmethod
    def load(cls, waiver_ids) -> dict[int, "WaiverSummary"]:
        """Summaries of the public waivers among `waiver_ids`, by id."""
        rows = (
            Waiver.objects.public()
            .filter(pk__in=list(waiver_ids))
            .select_related("contracting_agency")
            .only(
                "public_id",
                "procurement_title",
                "contracting_agency__name",
                "contracting_agency__abbreviation",
                "waiver_type",
                "status",
                "naics_id",
                "psc_id",
                "submitted_at",
                "determination",
                "final_decision",
            )
        )
        return {
            waiver.pk: cls(
                public_id=waiver.public_id,
                title=waiver.procurement_title or "Untitled procurement",
                url=absolute(waiver.get_absolute_url()),
                agency=waiver.contracting_agency.display_name,
                waiver_type=waiver.get_waiver_type_display(),
                status=waiver.get_status_display(),
                naics=waiver.naics_id or "",
                psc=waiver.psc_id or "",
                submitted=_day(waiver.submitted_at),
                determination=waiver.get_determination_display(),
                final_decision=waiver.get_final_decision_display(),
            )
            for waiver in rows
        }


@dataclass(frozen=True)
class Change:
    """A public change as a digest needs it (from PublicChange)."""

    id: int
    waiver_id: int
    kind: str
    at: object
    fields: tuple[str, ...] = ()


def _field_label(name: str) -> str:
    head, dot, rest = name.partition(".")
    if not dot:
        return capfirst(Waiver._meta.get_field(name).verbose_name)
    detail = Waiver._meta.get_field(head).related_model
    return f"{capfirst(detail._meta.verbose_name)}: {detail._meta.get_field(rest).verbose_name}"


def describe_change(change: Change, waiver: WaiverSummary) -> str:
    """One change of a followed waiver, in words."""
    Kind = PublicChange.Kind
    when = _day(change.at)
    if change.kind == Kind.SUBMITTED:
        return f"{when}: posted for MIAO's review by {waiver.agency}."
    if change.kind == Kind.DETERMINED:
        outcome = f": {waiver.determination.lower()}" if waiver.determination else ""
        return f"{when}: MIAO recorded its determination{outcome}."
    if change.kind == Kind.REVIEW_WAIVED:
        return f"{when}: MIAO waived its review."
    if change.kind == Kind.DECIDED:
        outcome = f": {waiver.final_decision.lower()}" if waiver.final_decision else ""
        return f"{when}: the agency recorded its final decision{outcome}."
    if change.kind == Kind.WITHDRAWN:
        return f"{when}: the agency withdrew the waiver."
    fields = ", ".join(_field_label(name) for name in change.fields)
    return f"{when}: amended ({fields})."


def digest(
    subscription: Subscription,
    changes: list[Change],
    waivers: dict[int, WaiverSummary],
    *,
    follows: str,
) -> Message:
    """The message for `subscription`, fit for every subscription to the same
    thing and frequency told of the same changes: personalise() fills in the
    placeholders."""
    if subscription.kind == Subscription.Kind.WAIVER:
        waiver = waivers[changes[0].waiver_id]
        lines = [describe_change(change, waiver) for change in changes]
        context = {"kind": "waiver", "waiver": waiver, "lines": lines}
        subject = (
            f"Waiver {waiver.public_id}: {lines[0].split(': ', 1)[1].rstrip('.')}"
            if len(lines) == 1
            else f"Waiver {waiver.public_id}: {len(lines)} changes"
        )
    else:
        items = [waivers[change.waiver_id] for change in changes]
        count = len(items)
        link = search_url(subscription.query)
        context = {
            "kind": "search",
            "items": items[:MAX_ITEMS],
            "more": max(0, count - MAX_ITEMS),
            "count": count,
            "search_url": link,
        }
        matches = "1 new waiver matches" if count == 1 else f"{count} new waivers match"
        subject = f"{matches} your alert: {follows}"
        if len(subject) > 120:
            subject = subject[:119] + "…"
    context.update(
        _common(),
        follows=follows,
        frequency=subscription.get_frequency_display().lower(),
        unsubscribe_url=UNSUBSCRIBE_PLACEHOLDER,
        since=SINCE_PLACEHOLDER,
    )
    text, html = _render("digest", context)
    return Message(
        kind="alerts.digest",
        to="",
        subject=subject,
        text=text,
        html=html,
        headers={
            "List-Unsubscribe": f"<{UNSUBSCRIBE_PLACEHOLDER}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"Made in America waiver alerts <alerts.{_site_host()}>",
            "Auto-Submitted": "auto-generated",
        },
    )


def personalise(message: Message, subscription: Subscription, to: str) -> Message:
    """A copy of a digest for one subscription: its address, its own
    unsubscribe link and the day of its previous message."""
    token = tokens.make("unsubscribe", subscription.pk)
    values = {
        UNSUBSCRIBE_PLACEHOLDER: absolute(reverse("alerts:unsubscribe", args=[token])),
        SINCE_PLACEHOLDER: _day(subscription.last_sent_at or subscription.confirmed_at),
    }

    def fill(text: str) -> str:
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        return text

    return Message(
        kind=message.kind,
        to=to,
        subject=message.subject,
        text=fill(message.text),
        html=fill(message.html),
        headers={name: fill(value) for name, value in message.headers.items()},
    )
