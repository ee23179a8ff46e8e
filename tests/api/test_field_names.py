"""waivers.api.serializers.field_names: a serializer's fields, worked out
once per class, are the fields DRF builds for each instance."""

import pytest

from waivers.api.serializers import (
    AgencyDetailSerializer,
    AgencySerializer,
    NaicsSerializer,
    PscSerializer,
    WaiverDetailSerializer,
    WaiverSerializer,
    field_names,
)


@pytest.mark.parametrize(
    "serializer_class",
    [
        WaiverSerializer,
        WaiverDetailSerializer,
        AgencySerializer,
        AgencyDetailSerializer,
        NaicsSerializer,
        PscSerializer,
    ],
)
def test_field_names_are_the_fields_of_an_instance(serializer_class):
    assert field_names(serializer_class) == tuple(serializer_class().fields)


def test_selected_fields_follow_the_context():
    assert WaiverSerializer().selected_fields == list(WaiverSerializer().fields)
    chosen = WaiverSerializer(context={"fields": ["title", "public_id"]}).selected_fields
    assert chosen == ["title", "public_id"]
    assert "history" in WaiverDetailSerializer().selected_fields
    assert "history" not in WaiverSerializer().selected_fields
