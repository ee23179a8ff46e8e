"""Formatting template tags of the public site (waivers/templatetags/waiver_tags.py)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from waivers.models import Waiver
from waivers.templatetags.waiver_tags import (
    country_name,
    describe_review_clock,
    money,
    percent,
    sentence_case,
    us_date,
    yes_no,
)


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (None, ""),
        (15, "15 business days left"),
        (1, "1 business day left"),
        (0, "Review due today"),
        (-1, "Overdue by 1 business day"),
        (-4, "Overdue by 4 business days"),
    ],
)
def test_review_clock_in_words(days, text):
    assert describe_review_clock(days) == text


def test_money_and_percent():
    assert money(Decimal("120000")) == "$120,000.00"
    assert money(Decimal("-5000.5")) == "-$5,000.50"
    assert money(None) == ""
    assert percent(Decimal("0.20")) == "20%"
    assert percent(Decimal("0.5")) == "50%"


def test_dates_booleans_and_countries():
    assert us_date(dt.date(2022, 3, 4)) == "March 4, 2022"
    assert us_date(None, "Not stated") == "Not stated"
    assert yes_no(True) == "Yes"
    assert yes_no(False) == "No"
    assert yes_no(None) == "Not stated"
    assert country_name("fr") == "France (FR)"
    assert country_name("QQ") == "QQ"
    assert sentence_case("INSTRUMENTS AND LABORATORY EQPT") == "Instruments and laboratory eqpt"
    assert sentence_case("Already fine") == "Already fine"


def test_status_badges_use_the_choice_labels():
    waiver = Waiver(status=Waiver.Status.WITHDRAWN, determination=Waiver.Determination.INCONSISTENT)
    html = Template(
        "{% load waiver_tags %}"
        "{% status_badge w %}|{% determination_badge w %}|{% decision_badge w %}"
    ).render(Context({"w": waiver}))
    status, determination, decision = html.split("|")
    assert "site-tag--withdrawn" in status and "Withdrawn" in status
    assert "site-tag--bad" in determination and "Inconsistent with policy" in determination
    assert decision.strip() == ""  # no final decision: no badge


def test_badges_are_escaped_spans_each_followed_by_a_line_break():
    waiver = Waiver(
        waiver_type=Waiver.Type.UNREASONABLE_COST,
        status=Waiver.Status.DECIDED,
        final_decision=Waiver.FinalDecision.GRANTED,
    )
    html = Template(
        "{% load waiver_tags %}"
        "{% type_badge w %}|{% status_badge w %}|{% determination_badge w %}|{% decision_badge w %}"
    ).render(Context({"w": waiver}))
    assert html.split("|") == [
        '<span class="usa-tag site-tag site-tag--type">'
        "Unreasonable cost (price preference)</span>\n",
        '<span class="usa-tag site-tag site-tag--done">Final decision made</span>\n',
        "\n",  # no determination on record
        '<span class="usa-tag site-tag site-tag--good">Granted</span>\n',
    ]
    waiver.get_status_display = lambda: "<b>&</b>"
    html = Template("{% load waiver_tags %}{% status_badge w %}").render(Context({"w": waiver}))
    assert html == '<span class="usa-tag site-tag site-tag--done">&lt;b&gt;&amp;&lt;/b&gt;</span>\n'


def test_url_with_keeps_repeated_parameters_and_replaces_one():
    request = RequestFactory().get("/waivers/?agency=1341&agency=97AS&page=3&q=laser")
    html = Template("{% load waiver_tags %}{% url_with page=4 %}").render(
        Context({"request": request})
    )
    assert html == "?agency=1341&amp;agency=97AS&amp;page=4&amp;q=laser"


def test_nav_marks_the_current_section():
    request = RequestFactory().get("/waivers/MIA-ABCDEFGH/")
    html = Template(
        "{% load waiver_tags %}{% site_nav_items as items %}"
        "{% for i in items %}{% if i.current %}{{ i.label }}{% endif %}{% endfor %}"
    ).render(Context({"request": request}))
    assert html == "Search waivers"
