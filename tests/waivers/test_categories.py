"""Category rankings, category pages and the agency scorecard, checked
against figures computed by hand from a small fixture.

The fixture (times 10:00 New York, determinations at the same hour):

  w1 NIST 1341, PSC 6640, NAICS 334516: submitted 2025-03-03,
     consistent 2025-03-05 (2 days, 2 business days)
  w2 NIST 1341, PSC 6640, NAICS 334516: submitted 2025-04-07,
     consistent 2025-04-17 (10 days, 8 business days)
  w3 NIST 1341, PSC 6515, NAICS 339112: submitted 2024-05-06,
     inconsistent 2024-06-05 (30 days, 21 business days: Memorial Day)
  w4 NOAA 1330, PSC 6640, NAICS 334516: submitted 2025-06-02, withdrawn 2025-06-10
  w5 NIH 7529, PSC 6515, NAICS 339112: submitted 2025-01-06,
     conditionally consistent 2025-01-10 (4 days)
  a draft in PSC 6640 (never counted)
"""

import csv
import datetime as dt
import io
import re
import zoneinfo

import pytest
from django.urls import reverse

from agencies.models import Agency
from tests.factories import WaiverFactory, agency, post
from waivers import categories as cat
from waivers import services
from waivers.models import NaicsCode, PscCode, Waiver
from waivers.selectors import categories as selectors
from waivers.selectors import scorecard

pytestmark = pytest.mark.django_db
NY = zoneinfo.ZoneInfo("America/New_York")
D = Waiver.Determination


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(10), tzinfo=NY)


def make(code, psc, naics, submitted, determination=None, determined=None, withdrawn=None):
    waiver = WaiverFactory(
        contracting_agency=agency(code),
        funding_agency=agency(code),
        psc=PscCode.objects.get(code=psc),
        naics=NaicsCode.objects.get(code=naics),
    )
    if withdrawn:
        services.submit(waiver, actor=None, at=at(submitted))
        return services.withdraw(waiver, actor=None, at=at(withdrawn))
    post(waiver, to=Waiver.Status.SUBMITTED, at=at(submitted))
    extra = {
        D.CONDITIONALLY_CONSISTENT: {"conditions": "Buy domestic next time."},
        D.INCONSISTENT: {"explanation": "A domestic source exists."},
    }.get(determination, {})
    return services.record_determination(
        waiver, actor=None, determination=determination, at=at(determined), **extra
    )


@pytest.fixture
def fixture_waivers():
    make("1341", "6640", "334516", "2025-03-03", D.CONSISTENT, "2025-03-05")
    make("1341", "6640", "334516", "2025-04-07", D.CONSISTENT, "2025-04-17")
    make("1341", "6515", "339112", "2024-05-06", D.INCONSISTENT, "2024-06-05")
    make("1330", "6640", "334516", "2025-06-02", withdrawn="2025-06-10")
    make("7529", "6515", "339112", "2025-01-06", D.CONDITIONALLY_CONSISTENT, "2025-01-10")
    WaiverFactory(psc=PscCode.objects.get(code="6640"))  # a draft


def rows_of(ranking):
    return [(r["code"], r["count"], r["previous_count"], r["change"]) for r in ranking["rows"]]


def test_psc_groups_ranked_over_a_year_with_the_previous_year(fixture_waivers):
    ranking = selectors.ranking("psc", level=2, period=cat.period("2025"))
    assert rows_of(ranking) == [("66", 3, 0, 3), ("65", 1, 1, 0)]
    assert ranking["rows"][0]["title"] == "Instruments and laboratory eqpt"
    assert ranking["rows"][1]["change_percent"] == 0
    assert ranking["total"] == 4 and ranking["previous_total"] == 1


def test_psc_codes_and_every_year(fixture_waivers):
    ranking = selectors.ranking("psc", level=4, period=cat.period("all"))
    assert rows_of(ranking) == [("6640", 3, None, None), ("6515", 2, None, None)]


def test_naics_levels_titles_from_the_2022_hierarchy(fixture_waivers):
    sectors = selectors.ranking("naics", level=2, period=cat.period("all"))
    assert [(r["code"], r["title"], r["count"]) for r in sectors["rows"]] == [
        ("33", "Manufacturing", 5)
    ]
    groups = selectors.ranking("naics", level=4, period=cat.period("2024"))
    assert [(r["code"], r["title"], r["count"]) for r in groups["rows"]] == [
        ("3391", "Medical Equipment and Supplies Manufacturing", 1)
    ]


def test_ranking_by_type_counts_only_that_type(fixture_waivers):
    ranking = selectors.ranking(
        "psc", level=2, period=cat.period("2025"), waiver_type=Waiver.Type.PUBLIC_INTEREST
    )
    assert ranking["rows"] == []


def test_current_year_compares_the_same_days_a_year_earlier():
    period = cat.period("2026", today=dt.date(2026, 3, 9))
    assert (period.start, period.end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 10))
    assert (period.previous.start, period.previous.end) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 3, 10),
    )
    assert period.label == "2026 up to 9 March (year to date)"


def test_category_page_figures(fixture_waivers):
    figures = selectors.category_figures("psc", "66")
    assert figures["total"] == 3
    assert (figures["first"], figures["last"]) == (dt.date(2025, 3, 3), dt.date(2025, 6, 2))
    assert [(q["label"], q["total"]) for q in figures["per_quarter"]] == [
        ("Q1 2025", 1),
        ("Q2 2025", 2),
    ]
    outcomes = {row["value"]: row["count"] for row in figures["determinations"]}
    assert outcomes["consistent"] == 2 and outcomes["withdrawn"] == 1
    assert outcomes["inconsistent"] == 0
    assert [(a["code"], a["count"]) for a in figures["agencies"]] == [("1341", 2), ("1330", 1)]
    assert [(c["code"], c["count"]) for c in figures["countries"]] == [("FR", 3)]
    assert [(c["code"], c["count"]) for c in figures["children"]] == [("6640", 3)]
    # Recurring needs: NIST waived 6640 twice; NOAA once is not recurring.
    assert [
        (r["agency_code"], r["code"], r["count"], r["first"], r["last"])
        for r in figures["recurring"]
    ] == [("1341", "6640", 2, dt.date(2025, 3, 3), dt.date(2025, 4, 7))]


def test_no_recurring_need_when_each_agency_waived_a_code_once(fixture_waivers):
    assert selectors.category_figures("psc", "6515")["recurring"] == []
    assert selectors.category_figures("naics", "339112")["total"] == 2


def test_quarters_between_are_zero_and_nothing_outside(fixture_waivers):
    quarters = selectors.category_figures("naics", "339112")["per_quarter"]
    assert [(q["label"], q["total"]) for q in quarters] == [
        ("Q2 2024", 1),
        ("Q3 2024", 0),
        ("Q4 2024", 0),
        ("Q1 2025", 1),
    ]


def by_code(rows):
    return {row["code"]: row for row in rows}


def test_scorecard_figures_by_hand(fixture_waivers):
    data = scorecard.scorecard()
    nist = by_code(data["subtiers"])["1341"]
    assert nist["total"] == 3 and nist["determined"] == 3
    assert (nist["consistent"], nist["conditional"], nist["inconsistent"]) == (66.7, 0.0, 33.3)
    # Review days 2, 10, 30: median 10; p90 = 10 + 0.8 * (30 - 10) = 26.
    assert (nist["median_days"], nist["p90_days"]) == (10.0, 26.0)
    # 2 and 8 business days are within 15; 21 is not.
    assert nist["within_15"] == 66.7
    assert (nist["decided"], nist["withdrawn"]) == (0.0, 0.0)
    assert [c["code"] for c in nist["top_categories"]] == ["66", "65"]

    commerce = by_code(data["departments"])["013"]
    assert commerce["total"] == 4 and commerce["withdrawn"] == 25.0
    assert commerce["median_days"] == 10.0
    assert {y["year"]: y["count"] for y in commerce["per_year"]} == {2024: 1, 2025: 3}

    hhs = by_code(data["departments"])["075"]
    assert (hhs["total"], hhs["conditional"], hhs["median_days"], hhs["within_15"]) == (
        1,
        100.0,
        4.0,
        100.0,
    )


def test_scorecard_sort_puts_agencies_without_the_figure_last(fixture_waivers):
    rows = scorecard.scorecard()["subtiers"]
    ordered = scorecard.sorted_rows(rows, "-median_days")
    assert [row["code"] for row in ordered] == ["1341", "7529", "1330"]


def test_agency_trend_by_year(fixture_waivers):
    trend = scorecard.agency_trend(agency("013"))
    assert [(y["year"], y["total"], y["median_days"]) for y in trend["years"]] == [
        (2024, 1, 30.0),
        (2025, 3, 6.0),
    ]
    assert trend["overall"]["total"] == 4


# --- pages, CSV, API ----------------------------------------------------------


def test_category_index_page(client, fixture_waivers):
    response = client.get(reverse("waivers:categories"), {"period": "2025"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Instruments and laboratory eqpt" in body
    assert "?psc=66&amp;submitted_after=2025-01-01&amp;submitted_before=2025-12-31" in body


def test_category_index_reports_bad_choices(client):
    response = client.get(reverse("waivers:categories"), {"scheme": "psc", "level": "5"})
    assert response.status_code == 200
    assert "A PSC level is 2 or 4." in response.content.decode()


def test_category_page_links_search_follow_and_csv(client, fixture_waivers):
    response = client.get(reverse("waivers:category", args=["psc", "66"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"{reverse('waivers:list')}?psc=66" in body
    assert f"{reverse('alerts:follow')}?psc=66" in body
    assert "Recurring needs" in body
    response = client.get(reverse("waivers:category_csv", args=["psc", "66"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][0] == "total" and rows[1][3] == "3"
    assert [
        "recurring",
        rows[-3][1],
        "National Institute of Standards and Technology (1341) / 6640",
        "2",
    ] in rows


def test_a_long_list_of_recurring_needs_shows_the_most_repeated_and_how_many(
    client, fixture_waivers, monkeypatch
):
    make("7529", "6515", "339112", "2025-02-03", D.CONSISTENT, "2025-02-10")  # 7529 again
    monkeypatch.setattr(selectors, "RECURRING_LIMIT", 1)
    figures = selectors.category_figures("psc", "65")
    assert figures["recurring_count"] == 1
    figures = selectors.category_figures("naics", "33")
    assert figures["recurring_count"] == 2
    assert [(r["agency_code"], r["count"]) for r in figures["recurring"]] == [("1341", 2)]
    body = client.get(reverse("waivers:category", args=["naics", "33"])).content.decode()
    assert "the 1 most repeated of 2</caption>" in body
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("waivers:category_csv", args=["naics", "33"])).content.decode()
            )
        )
    )
    recurring = [row for row in rows if row[0] == "recurring"]
    assert len(recurring) == 1 and recurring[0][1].endswith("(the 1 most repeated of 2)")


def test_the_cached_ranking_and_scorecard_follow_a_write(client, fixture_waivers):
    ranking, scorecard = "/categories/?period=all", "/agencies/?show=subtiers"
    assert "(5 in all)" in client.get(ranking).content.decode()
    total = re.compile(r"\(7529\).*?</th>\s*<td class=\"site-num\">(\d+)</td>", re.S)
    assert total.search(client.get(scorecard).content.decode())[1] == "1"
    make("7529", "6515", "339112", "2025-02-03", D.CONSISTENT, "2025-02-10")
    assert "(6 in all)" in client.get(ranking).content.decode()
    # 7529's total is now 2 (it had one waiver).
    assert total.search(client.get(scorecard).content.decode())[1] == "2"


def test_unknown_category_is_404(client):
    assert client.get(reverse("waivers:category", args=["psc", "ZZ"])).status_code == 404
    assert client.get(reverse("waivers:category", args=["naics", "1"])).status_code == 404


def test_scorecard_page_sorts_and_csv(client, fixture_waivers):
    response = client.get(reverse("agencies:list"), {"show": "subtiers", "sort": "-median_days"})
    body = response.content.decode()
    assert body.index(">National Institute of Standards and Technology<") < body.index(
        ">National Institutes of Health<"
    )
    assert 'aria-sort="descending"' in body
    response = client.get(reverse("agencies:scorecard_csv"), {"show": "subtiers"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    nist = next(row for row in rows if row["code"] == "1341")
    assert (
        nist["median_review_days"] == "10.0" and nist["within_15_business_days_percent"] == "66.7"
    )


def test_agency_page_shows_sao_and_trend(client, fixture_waivers):
    commerce = Agency.objects.get(code="013")
    commerce.sao_name, commerce.sao_title = "Ada Example", "Senior Procurement Executive"
    commerce.save()
    body = client.get(commerce.get_absolute_url()).content.decode()
    assert "Ada Example, Senior Procurement Executive" in body
    assert "Scorecard by year" in body
    data = client.get(reverse("api:agency-detail", args=["013"])).json()
    assert (data["sao_name"], data["sao_title"]) == ("Ada Example", "Senior Procurement Executive")


def test_api_rankings_and_bad_level(client, fixture_waivers):
    data = client.get(reverse("api:categories-psc"), {"period": "2025"}).json()
    assert [(r["code"], r["count"], r["previous_count"]) for r in data["rows"]] == [
        ("66", 3, 0),
        ("65", 1, 1),
    ]
    data = client.get(reverse("api:categories-naics"), {"level": "6", "period": "all"}).json()
    assert [(r["code"], r["count"]) for r in data["rows"]] == [("334516", 3), ("339112", 2)]
    response = client.get(reverse("api:categories-naics"), {"level": "7"})
    assert response.status_code == 400 and "level" in response.json()["errors"]


def test_api_scorecard(client, fixture_waivers):
    data = client.get(reverse("api:agency-scorecard")).json()
    nist = by_code(data["subtiers"])["1341"]
    assert (nist["p90_days"], nist["within_15"]) == (26.0, 66.7)


def test_category_page_counts_supplier_responses(client, fixture_waivers):
    from tests.responses.helpers import respond_and_confirm

    url = reverse("waivers:category", args=["psc", "6640"])
    assert "No U.S. manufacturer has yet responded" in client.get(url).content.decode()
    waiver = Waiver.objects.public().filter(psc__code="6640").order_by("id").first()
    respond_and_confirm(client, waiver)
    body = client.get(url).content.decode()
    assert "1 confirmed response from U.S. manufacturers" in body
    assert "on 1 waiver in this category" in body
    assert f"{reverse('waivers:list')}?psc=6640&amp;has_responses=true" in body
