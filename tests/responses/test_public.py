"""What the public sees of supplier responses: the count (page, list,
exports, API JSON and CSV, one column), the name and state of respondents
who agreed, the has_responses filter; and nothing private, in any public
output. Unique markers, as for drafts and government-only fields."""

import csv
import io
import json

import pytest
from django.test import Client

from outbox.models import OutboxMessage
from responses import services
from tests.admin.conftest import make_draft
from tests.alerts.helpers import run
from tests.factories import post
from tests.responses.helpers import form, respond_and_confirm, respond_url
from waivers.models import Waiver

pytestmark = pytest.mark.django_db

MARK = "LKMRK7Q"  # in every private field
PRIVATE = {
    "contact_name": f"Contact {MARK}name",
    "contact_email": f"{MARK.lower()}-contact@maker.example",
    "contact_phone": "+1 555 010 7777",
    "uei": "LKMRK7Q2W3X4",
    "cage_code": "7QLKM",
    "city": f"City{MARK}",
    "capability": f"Capability {MARK}text",
    "lead_time": f"Lead {MARK}time",
    "capacity": f"Capacity {MARK}units",
    "product_url": f"https://{MARK.lower()}.example/product",
}
NAMED = "Named Respondent Co"
UNNAMED = f"Unnamed {MARK} Co"
PENDING = f"Pending {MARK} Co"
NOTE = f"Outcome note {MARK}"


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def answered(rita):
    waiver = post(make_draft(procurement_title="Answered laser"), to=Waiver.Status.REVIEWED)
    client = Client()
    named = respond_and_confirm(
        client, waiver, company_name=NAMED, state="WY", public_consent="yes", **PRIVATE
    )
    unnamed = respond_and_confirm(
        client,
        waiver,
        company_name=UNNAMED,
        public_consent="no",
        **{**PRIVATE, "uei": "LKMRK7Q2W3X5", "contact_email": "second-lkmrk7q@maker.example"},
    )
    client.post(
        respond_url(waiver),
        form(company_name=PENDING, **{**PRIVATE, "uei": "LKMRK7Q2W3X6"}),
    )
    services.record_outcome(named, actor=rita, outcome="referred_to_mep", note=NOTE)
    services.record_outcome(unnamed, actor=rita, outcome="not_capable", note=NOTE)
    post(make_draft(procurement_title="Unanswered laser"))
    return waiver


def public_urls(waiver: Waiver) -> list[str]:
    return [
        "/",
        "/waivers/",
        "/waivers/?q=laser",
        "/waivers/?has_responses=true",
        f"/waivers/{waiver.public_id}/",
        f"/waivers/{waiver.public_id}/respond/",
        "/waivers/export.csv",
        "/waivers/export.json",
        "/waivers/export.csv?has_responses=true",
        "/waivers/feed/",
        "/agencies/",
        "/agencies/national-institute-of-standards-and-technology/",
        "/stats/",
        "/about/",
        "/api/v1/waivers/",
        "/api/v1/waivers/?format=csv",
        "/api/v1/waivers/?has_responses=true",
        f"/api/v1/waivers/{waiver.public_id}/",
        "/api/v1/stats/",
        "/api/v1/schema/",
        f"/alerts/follow/waiver/{waiver.public_id}/",
        "/responses/check-your-email/",
    ]


def test_nothing_private_in_any_public_output(client, answered):
    for url in public_urls(answered):
        response = client.get(url)
        assert response.status_code == 200, url
        content = body(response)
        for marker in (
            MARK,
            MARK.lower(),
            "555 010 7777",
            "7QLKM",
            "referred_to_mep",
            "not_capable",
        ):
            assert marker.encode() not in content, (url, marker)


def test_nothing_private_in_the_messages_to_other_followers(answered, alice):
    from tests.alerts.helpers import subscribe

    subscribe("watcher@example.org", waiver=answered)
    subscribe("searcher@example.org", query="")
    post(make_draft(procurement_title="Another laser"))
    from django.utils import timezone

    from waivers import services as waiver_services

    waiver_services.record_final_decision(
        answered, actor=alice, decision="granted", decided_on=timezone.localdate()
    )
    run()
    sent = OutboxMessage.objects.filter(kind="alerts.digest")
    assert sent.count() >= 2
    for message in sent:
        for part in (message.subject, message.text_body, message.html_body):
            assert MARK not in part and MARK.lower() not in part


def test_the_page_shows_the_count_and_the_named_respondents(client, answered):
    page = client.get(answered.get_absolute_url()).content.decode()
    assert "2 U.S. manufacturers said they can supply this." in page
    assert f"{NAMED} (Wyoming)" in page
    assert UNNAMED not in page and PENDING not in page


def test_the_api_and_exports_carry_the_count(client, answered):
    detail = client.get(f"/api/v1/waivers/{answered.public_id}/").json()
    assert detail["supplier_responses"] == 2
    listed = client.get("/api/v1/waivers/", {"has_responses": "true"}).json()
    assert [row["public_id"] for row in listed["results"]] == [answered.public_id]
    assert listed["results"][0]["supplier_responses"] == 2
    none = client.get("/api/v1/waivers/", {"has_responses": "false"}).json()
    assert answered.public_id not in {row["public_id"] for row in none["results"]}
    assert {row["supplier_responses"] for row in none["results"]} == {0}
    assert client.get("/api/v1/waivers/", {"has_responses": "maybe"}).status_code == 400

    rows = list(
        csv.DictReader(io.StringIO(body(client.get("/api/v1/waivers/?format=csv")).decode()))
    )
    counts = {row["public_id"]: row["supplier_responses"] for row in rows}
    assert counts[answered.public_id] == "2"
    site_csv = body(client.get("/waivers/export.csv?has_responses=true")).decode()
    site_rows = list(csv.DictReader(io.StringIO(site_csv)))
    assert [(r["public_id"], r["supplier_responses"]) for r in site_rows] == [
        (answered.public_id, "2")
    ]
    exported = json.loads(body(client.get("/waivers/export.json")))
    items = (
        exported if isinstance(exported, list) else exported.get("waivers", exported.get("results"))
    )
    assert {w["public_id"]: w["supplier_responses"] for w in items}[answered.public_id] == 2


def test_the_search_page_filters_and_names_the_filter(client, answered):
    page = client.get("/waivers/", {"has_responses": "true"}).content.decode()
    assert "Answered laser" in page and "Unanswered laser" not in page
    assert "A U.S. manufacturer said it can supply this" in page
    page = client.get("/waivers/", {"has_responses": "false"}).content.decode()
    assert "Unanswered laser" in page and "Answered laser" not in page


def test_the_schema_documents_the_count_and_the_filter(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    listing = schema["paths"]["/api/v1/waivers/"]["get"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert params["has_responses"]["schema"]["type"] == "boolean"
    waiver_schema = json.dumps(schema["components"]["schemas"])
    assert "supplier_responses" in waiver_schema


def test_stats_count_responses_and_waivers_granted_despite_one(client, answered, alice):
    from django.utils import timezone

    from waivers import services as waiver_services

    stats = client.get("/api/v1/stats/").json()["supplier_responses"]
    assert (stats["total"], stats["waivers"], stats["granted_despite_response"]) == (2, 1, 0)
    assert stats["by_agency"] == [
        {
            "code": "1341",
            "name": answered.contracting_agency.name,
            "slug": answered.contracting_agency.slug,
            "count": 2,
        }
    ]
    assert stats["by_psc_category"][0]["prefix"] == "66"
    assert stats["by_psc_category"][0]["count"] == 2
    waiver_services.record_final_decision(
        answered, actor=alice, decision="granted", decided_on=timezone.localdate()
    )
    # A waiver granted, and one a manufacturer answered only after its decision: not counted.
    late = post(make_draft(), to=Waiver.Status.DECIDED)
    respond_and_confirm(Client(), late, uei="N2P3Q4R5S6T7", contact_email="late@l.example")
    stats = client.get("/api/v1/stats/").json()["supplier_responses"]
    assert stats["granted_despite_response"] == 1
    page = client.get("/stats/").content.decode()
    assert "<strong>1</strong> waiver was granted although a U.S. manufacturer had said" in page
