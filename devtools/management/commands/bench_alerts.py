from django.core.management.base import BaseCommand, CommandError

from devtools.bench import alerts, runner


class Command(BaseCommand):
    help = (
        "Measure the daily send_alerts run: N confirmed subscriptions over the synthetic "
        "record after M public changes (docs/performance.md, 'Alerts'). It DELETES the "
        "alerts' collected changes and alert messages, and the waivers it posts keep their "
        "append-only audit trail (so `bench` can no longer reset that database): run it "
        "only against a throwaway database of its own, filled by generate_waivers."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--subscriptions", type=int, default=100_000)
        parser.add_argument("--changes", type=int, default=1_000)
        parser.add_argument(
            "--searches", type=int, default=3_000, help="Distinct searches followed."
        )
        parser.add_argument("--seed", type=int, default=runner.BENCH_SEED)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though the database holds non-synthetic waivers.",
        )

    def handle(self, *args, **o):
        if o["subscriptions"] < 1 or o["changes"] < 2 or o["searches"] < 1:
            raise CommandError("--subscriptions and --searches must be positive, --changes >= 2")
        options = alerts.Options(
            subscriptions=o["subscriptions"],
            changes=o["changes"],
            searches=o["searches"],
            seed=o["seed"],
            log=lambda line: (self.stdout.write(line), self.stdout.flush()),
        )
        try:
            result = alerts.run(options, force=o["force"])
        except runner.BenchRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("Target met." if result["met"] else "TARGET MISSED.")
