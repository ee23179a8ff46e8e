"""Reads behind the API: the waiver detail and the agency endpoints' counts."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Model

from waivers.caching import VERSION_ANNOTATIONS, Version, version_from
from waivers.columns import API_COLUMNS, ColumnReader
from waivers.models import JonesActDetail, PricePreference, UrgentReport
from waivers.selectors.waivers import HISTORY_ANNOTATIONS, public_timeline

# The detail's published row, and after it the keys of the waiver and of
# each type's details (None where the waiver has none), the public history
# and the data version: one statement a request (issue 19).
DETAIL_MODELS: dict[str, type[Model]] = {
    "price_preference": PricePreference,
    "jones_act": JonesActDetail,
    "urgent_report": UrgentReport,
}
DETAIL_READER = ColumnReader(
    API_COLUMNS,
    extra=("id", *(f"{name}__pk" for name in DETAIL_MODELS)),
    annotations={**HISTORY_ANNOTATIONS, **VERSION_ANNOTATIONS},
)
_HISTORY = [DETAIL_READER.fields.index(name) for name in HISTORY_ANNOTATIONS]
_VERSION = [DETAIL_READER.fields.index(name) for name in VERSION_ANNOTATIONS]


@dataclass(frozen=True)
class PublishedWaiver:
    """One public waiver as the API detail reads it: its values row (by
    DETAIL_READER), then on demand its type's details."""

    values: Sequence
    using: str

    def details(self, name: str) -> Model | None:
        """The waiver's `name` details (a DETAIL_MODELS key), if it has them."""
        pk = self.values[DETAIL_READER.fields.index(f"{name}__pk")]
        return None if pk is None else DETAIL_MODELS[name].objects.using(self.using).get(pk=pk)

    def history(self) -> list[dict]:
        return public_timeline(*map(self.values.__getitem__, _HISTORY))

    @property
    def data_version(self) -> Version:
        """The data version, read in the same snapshot as the row."""
        return version_from(*map(self.values.__getitem__, _VERSION))


def published_waiver(using: str, public_id: str) -> PublishedWaiver | None:
    """The public waiver `public_id` (None when no public waiver has it), by
    a statement prepared once a connection (waivers.statements)."""
    values = DETAIL_READER.one_public(using, public_id)
    return None if values is None else PublishedWaiver(values, using)


def counts_by(queryset, column: str, choices) -> list[dict]:
    """[{"value", "count"}] for every choice, zeros included (one GROUP BY)."""
    rows = queryset.order_by().values(column).annotate(n=Count("id")).values_list(column, "n")
    counts = dict(rows)
    return [{"value": value, "count": counts.get(value, 0)} for value, _ in choices]
