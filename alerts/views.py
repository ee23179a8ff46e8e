"""The alert pages: follow a search or a waiver, confirm, unsubscribe, and
manage one's alerts. No account: each step is a signed link sent by email.

A bad address is a 400 naming the field; a tampered link a 400, an expired
one a 410, a link to a subscription that no longer exists a 404; too many
requests a 429. None of them changes anything."""

from django.conf import settings
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from alerts import follow, services, tokens
from alerts.forms import FollowForm, FrequencyForm, ManageRequestForm
from alerts.messages import subject_of
from alerts.models import Subscriber, Subscription
from miao_site import ratelimit
from outbox.addresses import address_key
from waivers.selectors.waivers import get_public_waiver_or_404

# --- answers that change nothing ------------------------------------------------------

LINK_PROBLEMS = {
    tokens.InvalidLink: (
        400,
        "This link does not work",
        "The link is incomplete or has been changed. Copy the whole link from the message, "
        "or ask for a new one.",
    ),
    tokens.ExpiredLink: (
        410,
        "This link has expired",
        "Links to confirm an alert last 7 days and links to manage your alerts 48 hours. "
        "Ask for a new one.",
    ),
    services.UnknownSubscription: (
        404,
        "This alert does not exist",
        "It may have been cancelled already, or never confirmed within 7 days.",
    ),
}


def _link_problem(request: HttpRequest, problem: Exception) -> HttpResponse:
    status, heading, text = LINK_PROBLEMS[type(problem)]
    return render(
        request,
        "alerts/link_problem.html",
        {"heading": heading, "text": text},
        status=status,
    )


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "alerts/rate_limited.html", status=429)


def _allowed(request: HttpRequest) -> bool:
    """Count a request against its client's limit (follow and manage forms
    share it)."""
    return ratelimit.allow(
        "alerts.client", ratelimit.client_address(request), settings.ALERTS_RATE_PER_CLIENT
    )


def _allowed_address(email: str) -> bool:
    """Count a request against the limit of the address it would mail."""
    return ratelimit.allow("alerts.address", address_key(email), settings.ALERTS_RATE_PER_ADDRESS)


# --- following ------------------------------------------------------------------------


def follow_search(request: HttpRequest) -> HttpResponse:
    """GET with a search's filters (the search page's own query string); POST
    the form, which carries them in `query`."""
    if request.method == "POST":
        query = follow.canonical_query(QueryDict(request.POST.get("query", "")))
    else:
        query = follow.canonical_query(request.GET)
    search = follow.filterset(query)
    if len(query) > follow.MAX_QUERY_LENGTH or not search.is_valid():
        return render(
            request,
            "alerts/follow_problem.html",
            {"errors": search.form.errors, "too_long": len(query) > follow.MAX_QUERY_LENGTH},
            status=400,
        )
    labels = follow.labels(search)
    context = {
        "kind": Subscription.Kind.SEARCH,
        "labels": labels,
        "follows": "; ".join(labels) if labels else "Every new waiver",
        "search_url": reverse("waivers:list") + (f"?{query}" if query else ""),
    }
    return _follow(request, services.Target.search(query), context, initial_query=query)


def follow_waiver(request: HttpRequest, public_id: str) -> HttpResponse:
    waiver = get_public_waiver_or_404(public_id)
    context = {"kind": Subscription.Kind.WAIVER, "waiver": waiver}
    return _follow(request, services.Target.of_waiver(waiver), context, initial_query="")


def _follow(request, target: services.Target, context: dict, *, initial_query: str):
    if request.method == "POST":
        form = FollowForm(request.POST)
        if not _allowed(request):
            return _too_many(request)
        if form.is_valid():
            if not _allowed_address(form.cleaned_data["email"]):
                return _too_many(request)
            services.request_follow(
                email=form.cleaned_data["email"],
                target=target,
                frequency=form.cleaned_data["frequency"],
            )
            return redirect("alerts:check_email")
        status = 400
    else:
        form = FollowForm(initial={"query": initial_query})
        status = 200
    return render(request, "alerts/follow.html", {**context, "form": form}, status=status)


def check_email(request: HttpRequest) -> HttpResponse:
    return render(request, "alerts/check_email.html")


# --- confirming and unsubscribing -------------------------------------------------------


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners that open links confirm nothing);
    POST confirms."""
    try:
        subscription = services.get_subscription(tokens.read("confirm", token))
    except (tokens.LinkError, services.UnknownSubscription) as problem:
        return _link_problem(request, problem)
    if request.method == "POST" and subscription.confirmed_at is None:
        subscription = services.confirm(subscription.pk)
        return render(
            request, "alerts/confirmed.html", {"subscription": subscription, **_about(subscription)}
        )
    return render(
        request, "alerts/confirm.html", {"subscription": subscription, **_about(subscription)}
    )


@csrf_exempt  # RFC 8058: mail providers POST here without cookies; the signed link is the proof
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST (the button, or a mail provider's one-click
    `List-Unsubscribe=One-Click`) unsubscribes."""
    try:
        subscription = services.get_subscription(tokens.read("unsubscribe", token))
    except (tokens.LinkError, services.UnknownSubscription) as problem:
        return _link_problem(request, problem)
    if request.method == "POST":
        follows = services.unsubscribe(subscription.pk)
        return render(request, "alerts/unsubscribed.html", {"follows": follows})
    return render(
        request, "alerts/unsubscribe.html", {"subscription": subscription, **_about(subscription)}
    )


def _about(subscription: Subscription) -> dict:
    return {"follows": subject_of(subscription)}


# --- managing ---------------------------------------------------------------------------


def manage_request(request: HttpRequest) -> HttpResponse:
    """Ask for a manage link. The answer is the same whether or not the
    address follows anything."""
    if request.method == "POST":
        form = ManageRequestForm(request.POST)
        if not _allowed(request):
            return _too_many(request)
        if form.is_valid():
            if not _allowed_address(form.cleaned_data["email"]):
                return _too_many(request)
            services.request_manage_link(form.cleaned_data["email"])
            return redirect("alerts:manage_sent")
        status = 400
    else:
        form = ManageRequestForm()
        status = 200
    return render(request, "alerts/manage_request.html", {"form": form}, status=status)


def manage_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "alerts/manage_sent.html", {"hours": tokens.MANAGE_HOURS})


def manage(request: HttpRequest, token: str) -> HttpResponse:
    """An address's alerts: change how often, stop one, or stop all."""
    try:
        subscriber_id = tokens.read("manage", token)
    except tokens.LinkError as problem:
        return _link_problem(request, problem)
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    subscriptions = (
        list(subscriber.subscriptions.select_related("waiver").order_by("created_at", "id"))
        if subscriber
        else []
    )
    if request.method == "POST":
        return _manage_action(request, subscriber, subscriptions)
    rows = [
        {
            "subscription": s,
            "follows": subject_of(s),
            "form": FrequencyForm(initial={"frequency": s.frequency}),
        }
        for s in subscriptions
    ]
    return render(request, "alerts/manage.html", {"rows": rows})


def _manage_action(request, subscriber, subscriptions) -> HttpResponse:
    action = request.POST.get("action")
    if subscriber is not None and action == "forget":
        services.forget(subscriber.pk)
        flash.success(request, "All your alerts are stopped and your address is deleted.")
        return redirect(request.path)
    chosen = next(
        (s for s in subscriptions if str(s.pk) == request.POST.get("subscription", "")), None
    )
    if chosen is None:
        return _link_problem(request, services.UnknownSubscription())
    if action == "stop":
        follows = services.unsubscribe(chosen.pk)
        flash.success(request, f"Stopped: {follows}.")
        return redirect(request.path)
    form = FrequencyForm(request.POST)
    if action == "frequency" and form.is_valid():
        services.change_frequency(chosen, form.cleaned_data["frequency"])
        label = Subscription.Frequency(form.cleaned_data["frequency"]).label.lower()
        flash.success(request, f"{subject_of(chosen)}: now {label}.")
        return redirect(request.path)
    return render(
        request,
        "alerts/link_problem.html",
        {"heading": "That change could not be made", "text": "Choose how often, then save."},
        status=400,
    )
