import datetime as dt
import json

from django.db import models
from django.utils import timezone


class FiguresEncoder(json.JSONEncoder):
    """JSON for figures: dates and times are tagged so they come back as
    dates and times (_tagged)."""

    def default(self, o):
        if isinstance(o, dt.datetime):
            return {"$datetime": o.isoformat()}
        if isinstance(o, dt.date):
            return {"$date": o.isoformat()}
        return super().default(o)


def _tagged(obj: dict):
    if len(obj) == 1:
        if "$datetime" in obj:
            return dt.datetime.fromisoformat(obj["$datetime"])
        if "$date" in obj:
            return dt.date.fromisoformat(obj["$date"])
    return obj


class FigureSnapshot(models.Model):
    """The last computed value of an expensive set of figures (the scorecard,
    a large category or agency), kept in the database so that a cold cache
    never means recomputing them during a request. Written only by
    `manage.py refresh_figures` (waivers.snapshots); read by the pages, which
    say when the figures were computed if the record has changed since.

    Not one of the public tables of DataVersion: writing a snapshot does not
    move the data version. The figures are JSON text, not jsonb, so the order
    of their keys is kept.
    """

    name = models.CharField(max_length=100, unique=True)
    # The data version the figures were computed from (read before computing).
    data_version = models.BigIntegerField()
    computed_at = models.DateTimeField()
    seconds = models.FloatField(help_text="How long computing the figures took.")
    waivers = models.PositiveIntegerField(help_text="Public waivers the figures cover.")
    figures_json = models.TextField()

    class Meta:
        verbose_name = "figure snapshot"

    def __str__(self) -> str:
        return f"{self.name} (data version {self.data_version})"

    @property
    def figures(self):
        return json.loads(self.figures_json, object_hook=_tagged)

    @staticmethod
    def encode(figures) -> str:
        return json.dumps(figures, cls=FiguresEncoder, separators=(",", ":"))

    def is_current(self, version: int) -> bool:
        """Computed from this data version, today (figures such as "ending
        soon" depend on the date)."""
        return (
            self.data_version == version
            and timezone.localdate(self.computed_at) == timezone.localdate()
        )
