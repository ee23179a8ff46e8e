from django.db import models
from django.db.models import Q

# The public tables: a write to any of them moves the data version. A table
# added to what the public sees is added here and to a migration's triggers.
VERSIONED_TABLES = (
    "agencies_agency",
    "waivers_naicscode",
    "waivers_psccode",
    "waivers_waiver",
    "waivers_waiverstatuschange",
    "waivers_pricepreference",
    "waivers_jonesactdetail",
    "waivers_urgentreport",
)


class DataVersion(models.Model):
    """The version of the public record: one row, moved by the database itself.

    A statement-level trigger on every table in VERSIONED_TABLES (migration
    0004) gives `number` a new value from the sequence `waivers_data_version`
    the first time a transaction writes to any of them (inserts, updates,
    deletions and truncations alike; numbers never repeat) and sets
    `changed_at` to a time at least one second after the previous one, so an
    HTTP date (whole seconds) moves too. The row changes in the writer's own
    transaction: a reader sees the new version exactly when it sees the new
    rows. Cache keys (waivers.caching) and the validators of conditional
    requests (ETag, Last-Modified) are derived from it; nothing in Python
    has to remember to bump it.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    number = models.BigIntegerField(default=1)
    changed_at = models.DateTimeField()
    # The transaction that last moved the version (so it moves once per transaction).
    txid = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "data version"
        constraints = [
            # One row: the version of the whole public record.
            models.CheckConstraint(name="data_version_single_row", condition=Q(id=1)),
        ]

    def __str__(self) -> str:
        return f"data version {self.number} ({self.changed_at:%Y-%m-%d %H:%M:%S})"
