"""Search flows in real headless Chromium against the live server."""

import csv
import re

import pytest
from playwright.sync_api import expect

from tests.factories import WaiverFactory, agency, post
from tests.waivers.search_catalogue import at
from waivers.models import NaicsCode, PscCode, Waiver


def make_waivers():
    laser = post(
        WaiverFactory(
            procurement_title="Laser welding cell",
            summary="Robotic welding for ship hull plates.",
        ),
        at=at("2022-03-01"),
    )
    clock = post(
        WaiverFactory(
            procurement_title="Atomic clock laser",
            summary="A cell of rubidium vapour for a welding-free clock.",
        ),
        at=at("2022-02-01"),
    )
    valves = post(
        WaiverFactory(
            waiver_type=Waiver.Type.PUBLIC_INTEREST,
            contracting_agency=agency("97AS"),
            funding_agency=agency("97AS"),
            naics=NaicsCode.objects.get(code="331110"),
            psc=PscCode.objects.get(code="4820"),
            procurement_title="Bronze gate valves",
            summary="Valves for a destroyer.",
        ),
        at=at("2022-01-01"),
    )
    hull = post(
        WaiverFactory(
            contracting_agency=agency("1700"),
            funding_agency=agency("1700"),
            procurement_title="Titanium hull plate",
        ),
        at=at("2021-12-01"),
    )
    return {"laser": laser, "clock": clock, "valves": valves, "hull": hull}


def result_titles(page) -> list[str]:
    return page.locator(".site-result__title a").all_inner_texts()


def test_search_with_a_quoted_phrase(page):
    make_waivers()
    page.goto("/waivers/")
    page.fill("#search-q", '"welding cell"')
    page.locator(".site-search__bar button").click()
    expect(page.locator("#results-heading")).to_contain_text("1 waiver")
    assert result_titles(page) == ["Laser welding cell"]
    assert "q=%22welding+cell%22" in page.url
    # Without quotes both words may be anywhere: the clock's summary has both.
    page.fill("#search-q", "welding cell")
    page.locator(".site-search__bar button").click()
    expect(page.locator("#results-heading")).to_contain_text("2 waivers")


def facet_count(page, input_id: str) -> str:
    return page.locator(f"label[for={input_id}] .site-facet__count").inner_text()


def test_combine_two_filters_and_see_the_counts_change(page):
    make_waivers()
    page.goto("/waivers/")
    expect(page.locator("#results-heading")).to_contain_text("4 waivers")
    assert facet_count(page, "f-agency-097") == "(2)"
    assert facet_count(page, "f-type-nonavailability") == "(3)"

    page.click("label[for=f-agency-097]")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#results-heading")).to_contain_text("2 waivers")
    assert facet_count(page, "f-type-nonavailability") == "(1)"  # narrowed to Defense
    assert facet_count(page, "f-agency-013") == "(2)"  # other agencies still offered

    page.click("label[for=f-type-public_interest]")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#results-heading")).to_contain_text("1 waiver")
    assert result_titles(page) == ["Bronze gate valves"]
    # Commerce has no public-interest waiver: no longer offered.
    expect(page.locator("label[for=f-agency-013]")).to_have_count(0)
    chips = page.locator(".site-chip").all_inner_texts()
    assert any("Department of Defense" in chip for chip in chips)
    assert any("Public interest" in chip for chip in chips)

    # Removing a chip removes that filter only.
    page.locator(".site-chip", has_text="Public interest").click()
    expect(page.locator("#results-heading")).to_contain_text("2 waivers")
    assert "agency=097" in page.url and "type=" not in page.url


def test_paginate(page):
    for n in range(12):
        post(
            WaiverFactory(procurement_title=f"Spectrometer {n:02d}"), at=at(f"2022-01-{n + 1:02d}")
        )
    page.goto("/waivers/?sort=oldest")
    page.select_option("#search-page-size", "10")
    page.get_by_role("button", name="Update").click()
    expect(page.locator("#results-heading")).to_contain_text("(showing 1–10)")
    assert result_titles(page)[0] == "Spectrometer 00"
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("#results-heading")).to_contain_text("(showing 11–12)")
    assert result_titles(page) == ["Spectrometer 10", "Spectrometer 11"]
    assert "page=2" in page.url and "page_size=10" in page.url and "sort=oldest" in page.url
    page.get_by_role("link", name="Page 1").click()
    expect(page.locator("#results-heading")).to_contain_text("(showing 1–10)")


def test_open_a_waiver_and_come_back(page):
    waivers = make_waivers()
    page.goto("/waivers/?q=welding&sort=oldest")
    before = result_titles(page)
    assert before == ["Atomic clock laser", "Laser welding cell"]
    page.get_by_role("link", name="Laser welding cell").click()
    expect(page).to_have_url(re.compile(rf"/waivers/{waivers['laser'].public_id}/$"))
    expect(page.locator("h1")).to_contain_text("Laser welding cell")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/waivers/\?q=welding&sort=oldest$"))
    expect(page.locator("#search-q")).to_have_value("welding")
    expect(page.locator("#search-sort")).to_have_value("oldest")
    assert result_titles(page) == before


def test_download_the_csv_of_a_search(page, tmp_path):
    waivers = make_waivers()
    page.goto("/waivers/?agency=097")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download these results (CSV)").click()
    download = download_info.value
    assert re.fullmatch(
        r"made-in-america-waivers-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename
    )
    path = tmp_path / "export.csv"
    download.save_as(path)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["public_id"] for row in rows] == [
        waivers["valves"].public_id,
        waivers["hull"].public_id,
    ]
    assert rows[0]["title"] == "Bronze gate valves"
    assert rows[0]["contracting_department_code"] == "097"


def test_follow_an_agency_link(page):
    make_waivers()
    page.goto("/waivers/?q=valves")
    page.locator(".site-result").get_by_role("link", name="Defense Logistics Agency").click()
    expect(page).to_have_url(re.compile(r"/agencies/defense-logistics-agency/$"))
    expect(page.locator("h1")).to_have_text("Defense Logistics Agency")
    assert result_titles(page) == ["Bronze gate valves"]
    page.get_by_role("link", name="Department of Defense").first.click()
    expect(page.locator("h1")).to_have_text("Department of Defense")
    expect(page.locator("#results-heading")).to_contain_text("2 waivers")


@pytest.mark.parametrize(
    "query", ["page=abc", "page=99999", "type=bogus&submitted_after=2022-99-99"]
)
def test_bad_input_shows_a_message_in_the_browser(page, query):
    make_waivers()
    response = page.goto(f"/waivers/?{query}")
    assert response.status == 200
    expect(page.locator(".site-search-problems, .site-search-notice").first).to_be_visible()
