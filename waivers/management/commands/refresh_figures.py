"""manage.py refresh_figures [--loop]: bring the precomputed figures up to
date (waivers.snapshots)."""

from django.core.management.base import BaseCommand

from outbox import looping
from waivers import snapshots


class Command(BaseCommand):
    help = (
        "Recompute the snapshots of every figure set (scorecard, category, agency) covering at "
        "least FIGURE_SNAPSHOT_MIN_WAIVERS public waivers whose data has changed, and delete "
        "those no longer that large. Idempotent; with --loop, runs until stopped."
    )

    def add_arguments(self, parser):
        looping.add_arguments(parser, interval=60)

    def handle(self, *args, loop: bool, interval: float, **options):
        log = self.stdout.write if options["verbosity"] > 1 else None

        def one_pass():
            report = snapshots.refresh(log=log)
            if report.refreshed or report.deleted or not loop:
                self.stdout.write(f"Figures: {report}")

        looping.run_command(one_pass, loop=loop, interval=interval)
