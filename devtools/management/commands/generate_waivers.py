import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from devtools import synthetic


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--anchor {value!r} is not a YYYY-MM-DD date") from exc


class Command(BaseCommand):
    help = (
        "Add N synthetic waivers (source_id synthetic-<seed>-<n>) whose distributions follow "
        "MIAO's published record; see devtools/synthetic.py. Rows of a seed continue after "
        "the ones already present, so row n of a seed is always the same. For load tests "
        "and benchmarks only: never run this against a production database."
    )

    # Data generation does not depend on URLs or templates being in a good state.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="How many waivers to add.")
        parser.add_argument("--seed", type=int, default=0, help="Random seed (0-65535).")
        parser.add_argument(
            "--anchor",
            type=_date,
            default=synthetic.DEFAULT_ANCHOR,
            help="Last date of the synthetic record (default %(default)s).",
        )
        parser.add_argument(
            "--delete",
            action="store_true",
            help="Delete the synthetic waivers of --seed (all seeds with --seed -1) instead.",
        )

    def handle(self, *args, count: int, seed: int, anchor: dt.date, delete: bool, **options):
        if delete:
            deleted = synthetic.delete_synthetic(None if seed == -1 else seed)
            self.stdout.write(f"Deleted {deleted:,} synthetic waivers.")
            return
        if count < 1:
            raise CommandError("N must be a positive number of waivers.")
        if not 0 <= seed <= synthetic.MAX_SEED:
            raise CommandError(f"--seed must be between 0 and {synthetic.MAX_SEED}.")
        try:
            profile = synthetic.build_profile()
            progress = self.stdout.write if options["verbosity"] > 1 else None
            result = synthetic.generate(
                count, seed=seed, anchor=anchor, profile=profile, progress=progress
            )
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:
            raise CommandError(f"Nothing written: the database refused the rows: {exc}") from exc
        self.stdout.write(
            f"Created {result.created:,} synthetic waivers (seed {seed}, rows "
            f"{result.first:,}-{result.first + result.created - 1:,}), "
            f"{result.history_rows:,} status-history rows, {result.detail_rows:,} detail rows."
        )
        self.stdout.write(
            f"  wall {result.wall_seconds:.2f} s; generation (Python, overlapped) "
            f"{result.generate_seconds:.2f} s, COPY {result.copy_seconds:.2f} s, INSERT with "
            f"search vectors {result.insert_seconds:.2f} s, vector check "
            f"{result.verify_seconds:.2f} s, foreign-key checks {result.check_seconds:.2f} s, "
            f"index rebuild {result.index_seconds:.2f} s (full-text "
            f"{result.search_index_seconds:.2f} s), ANALYZE {result.analyze_seconds:.2f} s"
        )
        self.stdout.write(
            f"  {result.write_rows_per_second:,.0f} waivers/s written (before the index "
            f"rebuild); {result.rows_per_second:,.0f} waivers/s with everything"
        )
