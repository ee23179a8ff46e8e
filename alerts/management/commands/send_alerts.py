"""manage.py send_alerts [--loop]: prepare the alert messages that are due
and queue them in the mail outbox (docs/alerts.md)."""

from django.core.management.base import BaseCommand, CommandError

from alerts.digests import BATCH_SIZE, send_alerts
from outbox import looping


class Command(BaseCommand):
    help = (
        "Queue the alert messages that are due (as-it-happens, daily and weekly) in the mail "
        "outbox. Idempotent and safe to run several at once; with --loop, runs until stopped."
    )

    def add_arguments(self, parser):
        looping.add_arguments(parser, interval=60)
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Subscriptions handled per transaction (default {BATCH_SIZE}).",
        )

    def handle(self, *args, loop: bool, interval: float, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        verbosity = options["verbosity"]

        def progress(report):
            if verbosity >= 2:
                self.stdout.write(
                    f"batch {report.batches} committed: {report.subscriptions} subscriptions, "
                    f"{report.messages} messages so far"
                )
                self.stdout.flush()

        def one_pass():
            report = send_alerts(batch_size=batch_size, on_batch=progress)
            if report.subscriptions or report.collected or not loop:
                self.stdout.write(f"Alerts: {report}")

        looping.run_command(one_pass, loop=loop, interval=interval)
