"""manage.py send_mail_outbox [--loop]: deliver the mail outbox (docs/outbox.md)."""

from django.core.management.base import BaseCommand, CommandError

from outbox import looping, sender


class Command(BaseCommand):
    help = (
        "Send the messages waiting in the mail outbox, retrying failures with backoff. "
        "Safe to run several at once; with --loop, runs until stopped."
    )

    def add_arguments(self, parser):
        looping.add_arguments(parser, interval=15)
        parser.add_argument(
            "--limit", type=int, default=None, help="Attempt at most this many messages a pass."
        )

    def handle(self, *args, loop: bool, interval: float, limit: int | None, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")

        def one_pass():
            report = sender.send_due(limit=limit)
            purged = sender.purge()
            if report.attempted or purged or not loop:
                line = f"Mail outbox: {report}" + (f"; purged {purged} old" if purged else "")
                self.stdout.write(line)

        looping.run_command(one_pass, loop=loop, interval=interval)
