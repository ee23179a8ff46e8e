"""When a waiver ends: the `ending_within` filter of the one FilterSet, the
`expires` sort, and the "ending in the next 90 days" URLs of the site and the
API (issue 13)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from tests.factories import WaiverFactory, post
from waivers.filters import ENDING_SOON_DAYS, WaiverFilterSet
from waivers.models import Waiver

pytestmark = pytest.mark.django_db
Status = Waiver.Status


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def ending():
    """Public waivers ending at known distances from today, and some that must
    never be listed as ending soon."""
    today_posted = timezone.now()
    made = {
        # A published expiration date.
        "in_10": post(
            WaiverFactory(procurement_title="Ends in ten days", expiration_date=days(10))
        ),
        "in_89": post(WaiverFactory(procurement_title="Ends in 89 days", expiration_date=days(89))),
        "today": post(WaiverFactory(procurement_title="Ends today", expiration_date=days(0))),
        "in_91": post(WaiverFactory(procurement_title="Ends in 91 days", expiration_date=days(91))),
        "ended": post(WaiverFactory(procurement_title="Ended yesterday", expiration_date=days(-1))),
        "withdrawn": post(
            WaiverFactory(procurement_title="Withdrawn, would end soon", expiration_date=days(5)),
            to=Status.WITHDRAWN,
        ),
        # No published date: estimated from the posting date plus the expected
        # maximum duration (six months: well outside 90 days; instant: today).
        "estimate_far": post(
            WaiverFactory(
                procurement_title="Estimated six months out",
                expected_duration=Waiver.Duration.UP_TO_6_MONTHS,
            ),
            at=today_posted,
        ),
        "estimate_today": post(
            WaiverFactory(
                procurement_title="Estimated to end today",
                expected_duration=Waiver.Duration.INSTANT,
            ),
            at=today_posted,
        ),
    }
    # A draft is never public, however soon it would end.
    WaiverFactory(procurement_title="Draft ending soon", expiration_date=days(3))
    return {name: Waiver.objects.get(pk=w.pk) for name, w in made.items()}


def api_ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["public_id"] for row in response.json()["results"]]


def test_ending_within_keeps_waivers_ending_from_today_to_that_day(ending):
    assert ending["estimate_today"].expires == days(0)
    assert ending["estimate_today"].expires_is_estimate
    assert ending["estimate_far"].expires > days(150)
    qs = Waiver.objects.public()
    found = WaiverFilterSet({"ending_within": "90"}, queryset=qs).qs
    assert set(found.values_list("public_id", flat=True)) == {
        ending[name].public_id for name in ("in_10", "in_89", "today", "estimate_today")
    }
    ten = WaiverFilterSet({"ending_within": "10"}, queryset=qs).qs
    assert set(ten.values_list("public_id", flat=True)) == {
        ending[name].public_id for name in ("in_10", "today", "estimate_today")
    }


def test_site_ending_soon_redirects_to_the_list_soonest_first(client, ending):
    response = client.get(reverse("waivers:ending_soon"))
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('waivers:list')}?ending_within={ENDING_SOON_DAYS}&sort=expires"
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    listed = [w.public_id for w in page.context["result"].page.object_list]
    # Soonest first; two ending today in id order.
    today_first = sorted([ending["today"], ending["estimate_today"]], key=lambda w: w.pk)
    assert listed == [w.public_id for w in [*today_first, ending["in_10"], ending["in_89"]]]
    html = page.content.decode()
    assert "Ending within 90 days" in html  # the active filter, named
    for hidden in ("Ends in 91 days", "Ended yesterday", "Withdrawn, would end soon", "Draft"):
        assert hidden not in html


def test_api_ending_soon_redirects_to_the_list_and_keeps_the_format(client, ending):
    response = client.get(reverse("api:waiver-ending-soon"))
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('api:waiver-list')}?ending_within={ENDING_SOON_DAYS}&sort=expires"
    )
    listed = api_ids(client.get(response["Location"]))
    assert listed[2:] == [ending["in_10"].public_id, ending["in_89"].public_id]
    assert set(listed[:2]) == {ending["today"].public_id, ending["estimate_today"].public_id}
    rows = {row["public_id"]: row for row in client.get(response["Location"]).json()["results"]}
    assert rows[ending["in_10"].public_id]["expires"] == days(10).isoformat()
    assert rows[ending["in_10"].public_id]["expires_is_estimate"] is False
    assert rows[ending["estimate_today"].public_id]["expires_is_estimate"] is True

    as_csv = client.get(reverse("api:waiver-ending-soon"), {"format": "csv"})
    assert as_csv.status_code == 302
    assert "format=csv" in as_csv["Location"]
    body = client.get(as_csv["Location"])
    assert body.status_code == 200
    text = b"".join(body.streaming_content) if body.streaming else body.content
    assert ending["in_89"].public_id in text.decode()
    assert ending["in_91"].public_id not in text.decode()


def test_the_site_names_the_expiry_filters(client, ending):
    page = client.get(
        reverse("waivers:list"),
        {"expires_after": days(11).isoformat(), "expires_before": days(91).isoformat()},
    )
    assert page.status_code == 200
    listed = {w.public_id for w in page.context["result"].page.object_list}
    assert listed == {ending["in_89"].public_id, ending["in_91"].public_id}
    html = page.content.decode()
    assert f"Ends on or after {date_format(days(11), 'F j, Y')}" in html
    assert f"Ends on or before {date_format(days(91), 'F j, Y')}" in html


def test_the_api_filters_and_sorts_by_expires(client, ending):
    listed = api_ids(client.get("/api/v1/waivers/", {"ending_within": 30, "ordering": "expires"}))
    assert listed[-1] == ending["in_10"].public_id and len(listed) == 3
    window = api_ids(
        client.get(
            "/api/v1/waivers/",
            {"expires_after": days(11).isoformat(), "expires_before": days(91).isoformat()},
        )
    )
    assert set(window) == {ending["in_89"].public_id, ending["in_91"].public_id}


@pytest.mark.parametrize("value", ["0", "-5", "abc", "3661"])
def test_a_bad_ending_within_is_a_field_error_never_a_500(client, ending, value):
    api = client.get("/api/v1/waivers/", {"ending_within": value})
    assert api.status_code == 400
    assert list(api.json()["errors"]) == ["ending_within"]
    site = client.get(reverse("waivers:list"), {"ending_within": value})
    assert site.status_code == 200
    assert [p.param for p in site.context["result"].problems] == ["ending_within"]
