"""/waivers/<public-id>/: the public page of one waiver."""

import datetime as dt

import pytest

from tests import site_data
from tests.factories import WaiverFactory, post
from waivers.models import Waiver

pytestmark = pytest.mark.django_db

SECRETS = (
    site_data.SECRET_MARKET_RESEARCH,
    site_data.SECRET_OFFICIAL,
    site_data.SECRET_CONTACTS,
    site_data.SECRET_EXCLUDED,
    site_data.STAFF_USERNAME,
    site_data.STAFF_NOTE,
)


def get_page(client, waiver):
    response = client.get(f"/waivers/{waiver.public_id}/")
    return response, response.content.decode()


def test_nonavailability_page_shows_every_public_field(client):
    waiver = site_data.nonavailability()
    response, html = get_page(client, waiver)
    assert response.status_code == 200
    for text in (
        waiver.procurement_title,
        waiver.public_id,
        waiver.summary,
        waiver.rationale,
        waiver.piids[0],
        waiver.solicitation_id,
        "334516",  # NAICS
        "6640",  # PSC
        "Post-solicitation",
        "Individual waiver",
        "Instant delivery only",
        "France (FR)",
        "National Institute of Standards and Technology",
        "/agencies/" + waiver.contracting_agency.slug + "/",
        "Conditionally consistent with policy",
        "The agency must re-run market research before any follow-on award.",
        "Granted",
        "March 10, 2022",  # final decision date
    ):
        assert text in html, text


def test_timeline_shows_dates_and_statuses_only(client):
    waiver = site_data.nonavailability()
    _, html = get_page(client, waiver)
    timeline = html[html.index('id="timeline-heading"') : html.index('id="record-heading"')]
    assert timeline.count("<li>") == 4  # submitted, in review, reviewed, decided
    assert "March 1, 2022" in timeline
    assert "Submitted → <strong>In review</strong>" in timeline
    assert "Draft" not in timeline


def test_no_government_only_value_staff_name_or_note_appears(client):
    for waiver in site_data.every_type().values():
        _, html = get_page(client, waiver)
        for secret in SECRETS:
            assert secret not in html, (waiver.waiver_type, secret)


@pytest.mark.parametrize(
    ("small_business", "evaluated", "verdict"),
    [
        (True, "130,000.00", "reasonable"),
        (False, "120,000.00", "unreasonable"),
    ],
)
def test_price_preference_arithmetic_step_by_step(client, small_business, evaluated, verdict):
    waiver = site_data.unreasonable_cost(small_business=small_business)
    response, html = get_page(client, waiver)
    assert response.status_code == 200
    assert "L = $100,000.00" in html
    assert "D = $125,000.00" in html
    factor = "1.30" if small_business else "1.20"
    assert f"E = L × (1 + f) = $100,000.00 × {factor} = ${evaluated}" in html
    assert f"<strong>{verdict}</strong>" in html
    assert ("D ≤ E" if small_business else "D &gt; E") in html
    assert "$5,000.00" in html  # the gap between D and E either way


def test_jones_act_page_shows_vessel_ports_dates_and_marad(client):
    waiver = site_data.jones_act()
    _, html = get_page(client, waiver)
    for text in (
        "MT Northern Star",
        "IMO 9412345",
        "Liberia (LR)",
        "Port of Houston, TX",
        "San Juan, PR",
        "September 25, 2022",
        "October 5, 2022",
        "No qualified U.S.-flag vessel is available",
        "MARAD determination",
        "Single voyage, Houston to San Juan.",
        "Total length of the waiver: 15 days",
    ):
        assert text in html, text


def test_urgent_report_page_shows_report_fields_and_no_review_clock(client):
    waiver = site_data.urgent_report()
    _, html = get_page(client, waiver)
    for text in (
        "70FA6022C00000011",
        "May 2, 2022",
        "Hurricane damage required parts within 48 hours.",
        "Shelters would lose power during the storm season.",
        "there is no review before award",
    ):
        assert text in html, text
    assert "business days left" not in html


def test_withdrawn_waiver_stays_visible_and_says_so(client):
    waiver = site_data.public_interest()
    response, html = get_page(client, waiver)
    assert response.status_code == 200
    assert 'id="withdrawn-heading">Withdrawn</h2>' in html
    assert "April 5, 2022" in html


def test_open_waiver_shows_the_review_clock(client):
    waiver = post(WaiverFactory())
    _, html = get_page(client, waiver)
    assert "15 business days left" in html
    due = waiver.review_due_date
    assert f"{due:%B} {due.day}, {due.year}" in html


def test_overdue_waiver_says_by_how_many_business_days(client):
    submitted = site_data.aware(2022, 1, 3)
    waiver = post(WaiverFactory(), at=submitted)
    _, html = get_page(client, waiver)
    assert "Overdue by " in html
    assert "business days" in html


def test_related_waivers_share_psc_or_naics_and_are_public(client):
    waiver = post(WaiverFactory())
    same_psc = post(WaiverFactory(procurement_title="Same PSC other NAICS", naics_id="336411"))
    unrelated = post(
        WaiverFactory(procurement_title="Unrelated thing", naics_id="336411", psc_id="1005")
    )
    site_data.draft()
    site_data.test_record()
    _, html = get_page(client, waiver)
    related = html[html.index('id="related-heading"') :]
    assert same_psc.procurement_title in related
    assert unrelated.procurement_title not in related
    assert "DRAFT-never-public-title" not in related
    assert "TESTRECORD-never-public-title" not in related


def test_related_waivers_merge_both_codes_newest_first():
    from waivers.selectors.waivers import RELATED_LIMIT, related_waivers

    waiver = post(WaiverFactory(psc_id="6640", naics_id="334516"), at=site_data.aware(2024, 1, 1))
    days = iter(range(1, 28))

    def posted(**codes):
        return post(WaiverFactory(**codes), at=site_data.aware(2023, 1, next(days)))

    by_psc = [posted(psc_id="6640", naics_id="336411") for _ in range(4)]
    by_naics = [posted(psc_id="1005", naics_id="334516") for _ in range(4)]
    both = posted()
    posted(psc_id="1005", naics_id="336411")  # neither code
    found = related_waivers(waiver)
    assert RELATED_LIMIT == 6
    newest_first = sorted([*by_psc, *by_naics, both], key=lambda w: w.submitted_at, reverse=True)
    assert [w.pk for w in found] == [w.pk for w in newest_first[:6]]
    assert waiver.pk not in [w.pk for w in found]


def test_related_waivers_are_bounded(client):
    waiver = post(WaiverFactory())
    for _ in range(8):
        post(WaiverFactory())
    _, html = get_page(client, waiver)
    related = html[html.index('id="related-heading"') :]
    assert related.count('class="site-meta"') == 2 * 6


@pytest.mark.parametrize("make", [site_data.draft, site_data.test_record])
def test_drafts_and_test_records_are_not_found(client, make):
    waiver = make()
    response = client.get(f"/waivers/{waiver.public_id}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert "usa-banner" in body  # the site's own 404 page
    assert waiver.procurement_title not in body


@pytest.mark.parametrize("path", ["/waivers/MIA-00000000/", "/waivers/mia-abc/", "/waivers/1/"])
def test_unknown_ids_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_detail_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    waiver = site_data.jones_act()
    for _ in range(10):
        post(WaiverFactory())
    # The waiver, its history, related waivers; the lookup's join order is set
    # and put back around it, in a savepoint (waivers.planning): three more.
    with django_assert_max_num_queries(7):
        response = client.get(f"/waivers/{waiver.public_id}/")
    assert response.status_code == 200


def test_page_is_print_friendly(client):
    waiver = post(WaiverFactory())
    _, html = get_page(client, waiver)
    assert "css/site.css" in html
    assert 'class="usa-banner site-noprint"' in html


def test_decided_waiver_date_is_shown_as_a_plain_date(client):
    waiver = site_data.nonavailability()
    _, html = get_page(client, waiver)
    assert f'datetime="{dt.date(2022, 3, 10).isoformat()}"' in html
    assert Waiver.Status.DECIDED.label in html


def test_related_waivers_of_a_waiver_with_one_code(django_assert_num_queries):
    from waivers.selectors.waivers import related_waivers

    def without_naics(waiver):  # as some imported waivers are
        Waiver.objects.filter(pk=waiver.pk).update(naics_id=None)
        waiver.refresh_from_db()
        return waiver

    waiver = without_naics(post(WaiverFactory(psc_id="6640", naics_id="334516")))
    same_psc = post(WaiverFactory(psc_id="6640", naics_id="336411"))
    post(WaiverFactory(psc_id="1005", naics_id="334516"))  # the NAICS it no longer has
    without_naics(post(WaiverFactory(psc_id="1005", naics_id="334516")))  # no NAICS either
    with django_assert_num_queries(1):
        assert [w.pk for w in related_waivers(waiver)] == [same_psc.pk]
