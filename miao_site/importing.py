"""Reading published files and reporting an import record by record (shared
by the reference-data loaders and the waiver importers)."""

import csv
from dataclasses import dataclass, field
from pathlib import Path


class UnreadableFile(Exception):
    """The file cannot be read or parsed at all; nothing was written."""


def read_csv_rows(path: Path, columns: set[str]) -> list[dict]:
    """Every row of a CSV file that must have `columns`, or UnreadableFile."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = columns - set(reader.fieldnames or [])
            if missing:
                raise UnreadableFile(f"{path} lacks the columns {', '.join(sorted(missing))}.")
            return list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableFile(f"{path} cannot be read: {exc}") from exc


@dataclass
class ImportReport:
    """What an import did, record by record."""

    label: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    # A value dropped from a record that was otherwise kept (the field is left empty).
    rejected_fields: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    flagged: list[tuple[str, str]] = field(default_factory=list)
    # Second and later copies of a record id within one file.
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    # Updated records and the fields that changed.
    updates: list[tuple[str, list[str]]] = field(default_factory=list)
    # Findings about the file as a whole (e.g. ignored columns).
    notes: list[str] = field(default_factory=list)

    def reject(self, record_id: str, reason: str) -> None:
        self.rejected.append((record_id, reason))

    def reject_field(self, record_id: str, reason: str) -> None:
        self.rejected_fields.append((record_id, reason))

    def warn(self, record_id: str, reason: str) -> None:
        self.warnings.append((record_id, reason))

    def flag(self, record_id: str, reason: str) -> None:
        self.flagged.append((record_id, reason))

    def duplicate(self, record_id: str, reason: str) -> None:
        self.duplicates.append((record_id, reason))

    def update(self, record_id: str, fields: list[str]) -> None:
        self.updates.append((record_id, fields))

    def summary(self) -> str:
        text = (
            f"{self.label}: read {self.read}, created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}"
        )
        if self.duplicates:
            text += f", duplicate {len(self.duplicates)}"
        text += f", rejected {len(self.rejected)}"
        if self.rejected_fields:
            text += f", fields rejected {len(self.rejected_fields)}"
        if self.flagged:
            text += f", flagged as test data {len(self.flagged)}"
        return text

    def lines(self) -> list[str]:
        out = [self.summary()]
        out += [f"  {note}" for note in self.notes]
        out += [f"  updated {rid}: {', '.join(fields)}" for rid, fields in self.updates if fields]
        out += [f"  duplicate {rid}: {reason}" for rid, reason in self.duplicates]
        out += [f"  rejected {rid}: {reason}" for rid, reason in self.rejected]
        out += [f"  rejected field {rid}: {reason}" for rid, reason in self.rejected_fields]
        out += [f"  warning {rid}: {reason}" for rid, reason in self.warnings]
        out += [f"  flagged {rid}: {reason}" for rid, reason in self.flagged]
        return out
