"""The public side of supplier responses: the form on a waiver, the page
that says to check one's email, and the confirmation link.

A bad field is a 400 naming it; too many requests a 429; a tampered link a
400, an expired one a 410, a response that lapsed a 404; a withdrawn waiver
a 410. None of them changes anything. A filled honeypot gets the same answer
as a person, and nothing is recorded."""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from miao_site import ratelimit
from outbox.addresses import address_key
from responses import selectors, services, tokens
from responses.forms import ResponseForm
from waivers.selectors.waivers import get_public_waiver_or_404

logger = logging.getLogger(__name__)

PROBLEMS = {
    tokens.InvalidLink: (
        400,
        "This link does not work",
        "The link is incomplete or has been changed. Copy the whole link from the message.",
    ),
    tokens.ExpiredLink: (
        410,
        "This link has expired",
        f"Links to confirm a response last {tokens.CONFIRM_DAYS} days. Send your response "
        "again from the waiver’s page.",
    ),
    services.UnknownResponse: (
        404,
        "This response does not exist",
        f"A response not confirmed within {tokens.CONFIRM_DAYS} days is deleted. Send it "
        "again from the waiver’s page.",
    ),
    services.ResponsesClosed: (
        410,
        "This waiver takes no responses",
        "The agency withdrew it, so there is nothing to respond to.",
    ),
    services.AlreadyCounted: (
        409,
        "Your company’s response is already counted",
        "A response from this company (the same UEI) to this waiver was already confirmed; "
        "the agency and MIAO have it.",
    ),
}


def _problem(request: HttpRequest, problem: Exception, waiver=None) -> HttpResponse:
    status, heading, text = PROBLEMS[type(problem)]
    context = {"heading": heading, "text": text, "waiver": waiver}
    return render(request, "responses/problem.html", context, status=status)


def respond(request: HttpRequest, public_id: str) -> HttpResponse:
    waiver = get_public_waiver_or_404(public_id)
    if not services.accepts_responses(waiver):
        return _problem(request, services.ResponsesClosed(), waiver)
    if request.method == "POST":
        form = ResponseForm(request.POST)
        client = ratelimit.client_address(request)
        if not ratelimit.allow("responses.client", client, settings.RESPONSES_RATE_PER_CLIENT):
            return render(request, "responses/rate_limited.html", status=429)
        if form.is_valid():
            if form.is_bot:
                logger.info("Supplier response refused: honeypot filled (waiver %s)", public_id)
                return redirect("responses:check_email")
            email = form.cleaned_data["contact_email"]
            rate = settings.RESPONSES_RATE_PER_ADDRESS
            if not ratelimit.allow("responses.address", address_key(email), rate):
                return render(request, "responses/rate_limited.html", status=429)
            services.request_response(waiver=waiver, fields=form.response_fields())
            return redirect("responses:check_email")
        status = 400
    else:
        form = ResponseForm()
        status = 200
    context = {"waiver": waiver, "form": form, **selectors.public_summary(waiver)}
    return render(request, "responses/respond.html", context, status=status)


def check_email(request: HttpRequest) -> HttpResponse:
    return render(request, "responses/check_email.html", {"days": tokens.CONFIRM_DAYS})


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners that open links confirm nothing);
    POST confirms."""
    try:
        response = services.get_response(tokens.read("confirm", token))
    except (tokens.LinkError, services.UnknownResponse) as problem:
        return _problem(request, problem)
    if request.method == "POST" and response.confirmed_at is None:
        try:
            response = services.confirm(response.pk)
        except (services.ResponsesClosed, services.AlreadyCounted) as problem:
            return _problem(request, problem, response.waiver)
        return render(request, "responses/confirmed.html", {"response": response})
    return render(request, "responses/confirm.html", {"response": response})
