"""`fields`: the fields a serializer offers are its DRF fields, in order, and
a choice of them narrows the output."""

import pytest

from waivers.api.serializers import (
    AgencyDetailSerializer,
    AgencySerializer,
    NaicsSerializer,
    PscSerializer,
    WaiverDetailSerializer,
    WaiverSerializer,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "serializer_class"),
    [
        ("/api/v1/waivers/", WaiverSerializer),
        ("/api/v1/waivers/{valves}/", WaiverDetailSerializer),
        ("/api/v1/agencies/", AgencySerializer),
        ("/api/v1/agencies/097/", AgencyDetailSerializer),
        ("/api/v1/naics/", NaicsSerializer),
        ("/api/v1/psc/", PscSerializer),
    ],
)
def test_an_unknown_field_lists_the_serializers_fields_in_order(
    client, catalogue, url, serializer_class
):
    response = client.get(url.format(valves=catalogue.valves.public_id), {"fields": "nope"})
    assert response.status_code == 400, response.content
    (message,) = response.json()["errors"]["fields"]
    assert message.endswith(f"Choose from: {', '.join(serializer_class().fields)}.")


def test_selected_fields_follow_the_context():
    assert WaiverSerializer().selected_fields == list(WaiverSerializer().fields)
    chosen = WaiverSerializer(context={"fields": ["title", "public_id"]}).selected_fields
    assert chosen == ["title", "public_id"]
    assert "history" in WaiverDetailSerializer().selected_fields
    assert "history" not in WaiverSerializer().selected_fields
