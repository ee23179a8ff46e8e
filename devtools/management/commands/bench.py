from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from devtools.bench import runner


def _sizes(value: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in value.split(",") if part.strip())
    except ValueError as exc:
        raise CommandError(f"--rows {value!r} is not a comma-separated list of numbers") from exc
    if not sizes or any(size < 1 for size in sizes):
        raise CommandError("--rows needs at least one positive size")
    return sizes


class Command(BaseCommand):
    help = (
        "Benchmark the site at several data sizes against its floors (see "
        "docs/performance.md). It ADDS AND DELETES synthetic waivers: run it only against a "
        "throwaway database (e.g. DATABASE_URL=postgresql://postgres@127.0.0.1/miao_bench). "
        "It refuses a database holding non-synthetic waivers unless --force."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--rows",
            type=_sizes,
            default=runner.DEFAULT_SIZES,
            help="Comma-separated data sizes (default 10000,100000,1000000).",
        )
        parser.add_argument("--out", type=Path, default=None, help="Write the results as JSON.")
        parser.add_argument(
            "--reps",
            type=int,
            default=100,
            help="Measured requests per figure and mode (default 100: a p95 "
            "of 30 samples is the second-worst one, a garbage "
            "collection can decide it).",
        )
        parser.add_argument(
            "--cold-reps",
            type=int,
            default=None,
            help="Measured requests of the cold series (default: --reps).",
        )
        parser.add_argument("--warmup", type=int, default=5, help="Warm-up requests per figure.")
        parser.add_argument(
            "--no-cold",
            action="store_true",
            help="Skip the cold-cache series (cache cleared before each request).",
        )
        parser.add_argument("--no-load", action="store_true", help="Skip the gunicorn load test.")
        parser.add_argument("--load-seconds", type=float, default=60)
        parser.add_argument("--load-clients", type=int, default=20)
        parser.add_argument(
            "--load-cache-url",
            default=None,
            help="CACHE_URL of the load-test server, e.g. "
            "redis://127.0.0.1:6379/15 (one cache for both workers; default: "
            "this environment's CACHE_URL).",
        )
        parser.add_argument(
            "--no-load-warmup", action="store_true", help="Start the load test with cold caches."
        )
        parser.add_argument("--import-records", type=int, default=2000)
        parser.add_argument(
            "--export-in-process",
            action="store_true",
            help="Measure the CSV export in this process (tracemalloc) instead "
            "of a fresh process (used by the test suite).",
        )
        parser.add_argument(
            "--only",
            type=lambda value: tuple(value.split(",")),
            default=(),
            help="Comma-separated figure keys to measure (e.g. category_page,scorecard); "
            "skips the CSV export, import and load test.",
        )
        parser.add_argument("--seed", type=int, default=runner.BENCH_SEED)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though the database holds non-synthetic waivers.",
        )

    def handle(self, *args, **o):
        if (
            o["reps"] < 1
            or o["warmup"] < 0
            or o["import_records"] < 1
            or (o["cold_reps"] is not None and o["cold_reps"] < 1)
        ):
            raise CommandError("--reps and --import-records must be positive, --warmup >= 0")
        if unknown := set(o["only"]) - set(runner.TARGETS_MS):
            raise CommandError(
                f"--only: no figure {', '.join(sorted(unknown))}; the figures are "
                f"{', '.join(runner.TARGETS_MS)}"
            )
        if not 1 <= o["load_clients"] <= 100 or not 1 <= o["load_seconds"] <= 600:
            raise CommandError("--load-clients must be 1-100 and --load-seconds 1-600")
        options = runner.Options(
            sizes=o["rows"],
            reps=o["reps"],
            warmup=o["warmup"],
            cold=not o["no_cold"],
            load=not o["no_load"],
            load_seconds=o["load_seconds"],
            load_clients=o["load_clients"],
            import_records=o["import_records"],
            export_in_process=o["export_in_process"],
            seed=o["seed"],
            only=o["only"],
            out=o["out"],
            cold_reps=o["cold_reps"],
            load_cache_url=o["load_cache_url"],
            load_warmup=not o["no_load_warmup"],
            log=lambda line: (self.stdout.write(line), self.stdout.flush()),
        )
        try:
            report = runner.run(options, force=o["force"])
        except runner.BenchRefused as exc:
            raise CommandError(str(exc)) from exc
        if o["out"]:
            report.dump(o["out"])
            self.stdout.write(f"Results written to {o['out']}")
