"""Walk every URL pattern of the site and the staff admin, as
cisagov/manage.get.gov's test_url_auth does, so a new URL is covered without
editing this file.

Each pattern is turned into a URL with sample values for its parameters
(real objects where the parameter names one, including a draft waiver whose
title is a unique marker) and requested:

* staff admin URLs (namespace "admin"): anonymous visitors and signed-in
  members of the public are sent to the admin login or refused (403/404/405),
  never shown a page; staff without a role see only the pages every staff
  account has (EVERY_STAFF_ACCOUNT below);
* every other URL is public: it never answers with a server error;
* the draft's marker never appears in any response to any of them.

A pattern whose parameter has no sample value, or whose sample URL resolves
to a different pattern, fails the walk: add the sample (or the exception,
with a comment) here. The fine-grained rules (which role sees which waiver)
are tested in test_url_auth.py.
"""

import re
from dataclasses import dataclass

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RoutePattern

from tests.admin.conftest import AGENCY_A, make_draft
from tests.factories import UserFactory, agency, post
from waivers.models import Waiver

pytestmark = pytest.mark.django_db

MARKER = "URLWALK-7Q3ZX-DRAFT-MARKER"
LOGIN_URL = "/admin/login/"

# Unnamed regular-expression patterns cannot be reversed or filled in
# generically: the URL to request for each, by its route.
UNNAMED_REGEX_URLS = {
    # The admin's catch-all (AdminSite.final_catch_all_view): any unknown
    # admin path, which must send an anonymous visitor to the login, not 404.
    "admin/(?P<url>.*)$": "/admin/no-such-page/",
}

# Admin pages reachable without being staff. Exceptions to "never a 200".
ADMIN_WITHOUT_STAFF = {
    # The login form itself is the way in.
    "admin:login",
}
# Where a refused request may be redirected besides the login form.
OTHER_REDIRECTS = {
    # Logging out without being logged in goes back to the admin index (which
    # in turn sends the visitor to the login).
    "admin:logout": "/admin/",
}

# Pages a staff account without any role may see: its own account pages and
# the admin's chrome, none of which lists waivers or users.
EVERY_STAFF_ACCOUNT = {
    "admin:index",
    "admin:logout",  # a POST logs the account out and says so
    "admin:password_change",
    "admin:password_change_done",
    "admin:jsi18n",
}


@dataclass(frozen=True)
class Pattern:
    namespace: str | None
    name: str | None
    route: str  # as ResolverMatch.route gives it
    parameters: tuple[str, ...]
    plain: bool  # path() all the way down (no regular expression)

    @property
    def view_name(self) -> str | None:
        if self.name is None:
            return None
        return f"{self.namespace}:{self.name}" if self.namespace else self.name

    @property
    def is_admin(self) -> bool:
        # The admin site's own URLs, and anything else mounted under /admin/.
        return (self.namespace or "").split(":")[0] == "admin" or self.route.startswith("admin/")

    def __str__(self) -> str:
        return self.view_name or self.route


def _join(route: str, part: str) -> str:
    # As ResolverMatch.route joins an include's route with its patterns'.
    return route + part.removeprefix("^") if route else part


def walk(entries, namespace=None, route="", parameters=(), plain=True):
    for entry in entries:
        here = _join(route, str(entry.pattern))
        names = (*parameters, *entry.pattern.regex.groupindex)
        is_plain = plain and isinstance(entry.pattern, RoutePattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n) or None
            yield from walk(entry.url_patterns, inner, here, names, is_plain)
        else:
            yield Pattern(namespace, entry.name, here, names, is_plain)


PATTERNS = list(walk(get_resolver().url_patterns))


def sample_url(pattern: Pattern, samples: dict) -> str:
    if not (pattern.view_name or pattern.plain):
        assert pattern.route in UNNAMED_REGEX_URLS, f"{pattern}: add it to UNNAMED_REGEX_URLS"
        return UNNAMED_REGEX_URLS[pattern.route]
    missing = [name for name in pattern.parameters if name not in samples]
    assert not missing, f"{pattern}: no sample value for {missing}; add one to samples()"
    kwargs = {name: samples[name] for name in pattern.parameters}
    if pattern.view_name:
        return reverse(pattern.view_name, kwargs=kwargs)
    # An unnamed path(): fill in its <converter:name> parts.
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m[1]]), pattern.route)


@pytest.fixture
def samples(db):
    """A value for every parameter name in the URL patterns."""
    draft = make_draft(contracting_agency=agency(AGENCY_A), procurement_title=MARKER)
    posted = post(make_draft(contracting_agency=agency(AGENCY_A), procurement_title="Posted"))
    other_user = UserFactory(username="someone-else", is_staff=True)
    return {
        "object_id": str(draft.pk),  # in the waiver admin, the draft itself
        "content_type_id": str(ContentType.objects.get_for_model(Waiver).pk),
        "id": str(other_user.pk),
        "pk": "1",
        "action": "submit",
        "app_label": "waivers",
        "public_id": posted.public_id,
        "slug": agency(AGENCY_A).slug,
        "code": AGENCY_A,
        "token": "not-a-valid-token",
        "scheme": "psc",
    }


@pytest.fixture
def urls(samples):
    """(pattern, url) for every pattern; the url reaches that very pattern."""
    pairs = [(pattern, sample_url(pattern, samples)) for pattern in PATTERNS]
    wrong = [
        f"{pattern}: {url} resolves to {resolve(url).route}"
        for pattern, url in pairs
        if resolve(url).route != pattern.route
    ]
    assert not wrong, wrong
    return pairs


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def refusal_problem(pattern: Pattern, response) -> str | None:
    """Why the response is not a refusal (None when it is one)."""
    code = response.status_code
    if code in (403, 404, 405):
        return None
    if code == 302:
        location = response["Location"]
        allowed = OTHER_REDIRECTS.get(pattern.view_name)
        if location.startswith(LOGIN_URL) or location == allowed:
            return None
        return f"redirects to {location}"
    return f"answers {code}"


def check_everything(client, urls, *, admin_rule) -> list[str]:
    problems = []
    for pattern, url in urls:
        requests = [("GET", client.get)]
        if pattern.is_admin:
            requests.append(("POST", client.post))
        for method, request in requests:
            where = f"{method} {url} ({pattern})"
            try:
                response = request(url)
            except Exception as exc:  # the test client re-raises a view's error
                problems.append(f"{where}: raised {exc!r}")
                continue
            text = body(response)
            if MARKER in text:
                problems.append(f"{where}: shows the draft")
            if pattern.is_admin:
                problem = admin_rule(pattern, method, response)
            else:
                problem = f"answers {response.status_code}" if response.status_code >= 500 else None
            if problem:
                problems.append(f"{where}: {problem}")
    return problems


def not_staff_rule(pattern, method, response):
    if pattern.view_name in ADMIN_WITHOUT_STAFF:
        return f"answers {response.status_code}" if response.status_code >= 500 else None
    return refusal_problem(pattern, response)


def test_the_walk_covers_the_site_the_api_and_the_admin():
    names = {pattern.view_name for pattern in PATTERNS}
    assert {"waivers:detail", "agencies:detail", "api:waiver-list", "alerts:confirm"} <= names
    assert {
        "admin:index",
        "admin:waivers_waiver_change",
        "admin:waivers_waiver_transition",
    } <= names
    assert sum(pattern.is_admin for pattern in PATTERNS) > 50


def test_anonymous_visitors_never_see_a_staff_page_and_no_public_page_fails(client, urls):
    assert check_everything(client, urls, admin_rule=not_staff_rule) == []


def test_signed_in_members_of_the_public_never_see_a_staff_page(client, urls):
    client.force_login(UserFactory(username="member-of-the-public", is_staff=False))
    assert check_everything(client, urls, admin_rule=not_staff_rule) == []


def test_staff_without_a_role_see_only_their_own_account_pages(client, nobody, urls):
    client.force_login(nobody)

    def rule(pattern, method, response):
        if pattern.view_name in EVERY_STAFF_ACCOUNT | ADMIN_WITHOUT_STAFF:
            return f"answers {response.status_code}" if response.status_code >= 500 else None
        return refusal_problem(pattern, response)

    assert check_everything(client, urls, admin_rule=rule) == []
