from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from devtools.bench import randomised, runner


def _classes(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [key for key in chosen if key not in randomised.CLASS_KEYS]
    if unknown or not chosen:
        raise CommandError(
            f"--classes: unknown {', '.join(unknown) or '(none given)'}; choose among "
            + ", ".join(randomised.CLASS_KEYS)
        )
    return chosen


class Command(BaseCommand):
    help = (
        "Benchmark the site over HTTP with a seeded, randomised workload (gunicorn, shared "
        "cache flushed first, one request at a time), optionally side by side with Datasette "
        "serving the same public rows (see docs/performance.md). It reads the database's "
        "waivers and FLUSHES the cache at --cache-url; it refuses a database holding "
        "non-synthetic waivers unless --force."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--requests-per-class",
            type=int,
            default=100,
            help="Requests of each class (default 100).",
        )
        parser.add_argument("--seed", type=int, default=randomised.DEFAULT_SEED)
        parser.add_argument(
            "--cache-url",
            default=randomised.DEFAULT_CACHE_URL,
            help="The server's shared cache, flushed before the run (default "
            f"{randomised.DEFAULT_CACHE_URL}; locmem:// gives each worker its own).",
        )
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2).")
        parser.add_argument(
            "--classes",
            type=_classes,
            default=randomised.CLASS_KEYS,
            help="Comma-separated subset of: " + ", ".join(randomised.CLASS_KEYS),
        )
        parser.add_argument(
            "--floor-reps", type=int, default=100, help="Requests of the bare view (100)."
        )
        parser.add_argument("--out", type=Path, default=None, help="Write the results as JSON.")
        parser.add_argument(
            "--datasette",
            action="store_true",
            help="Also measure Datasette serving a SQLite copy of the same public rows "
            f"(needs the peer extra: {randomised_hint()}).",
        )
        parser.add_argument(
            "--turns",
            choices=list(randomised.TURNS),
            default="alternate",
            help="With --datasette, how the two sides take turns: "
            + "; ".join(f"{name}: {text}" for name, text in randomised.TURNS.items())
            + " (default alternate).",
        )
        parser.add_argument(
            "--peer-db",
            type=Path,
            default=None,
            help="Where to write the SQLite copy (rebuilt each run; default a temporary file).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though the database holds non-synthetic waivers.",
        )

    def handle(self, *args, **o):
        if not 1 <= o["requests_per_class"] <= 100_000:
            raise CommandError("--requests-per-class must be 1-100000")
        if not 1 <= o["workers"] <= 16 or not 1 <= o["floor_reps"] <= 10_000:
            raise CommandError("--workers must be 1-16 and --floor-reps 1-10000")
        if not o["cache_url"].startswith(("redis://", "rediss://", "locmem://")):
            raise CommandError("--cache-url must be redis://... or locmem://")
        options = randomised.Options(
            per_class=o["requests_per_class"],
            seed=o["seed"],
            cache_url=o["cache_url"],
            workers=o["workers"],
            classes=o["classes"],
            datasette=o["datasette"],
            peer_db=o["peer_db"],
            turns=o["turns"],
            floor_reps=o["floor_reps"],
            out=o["out"],
            log=lambda line: (self.stdout.write(line), self.stdout.flush()),
        )
        try:
            randomised.run(options, force=o["force"])
        except (runner.BenchRefused, randomised.NoData) as exc:
            raise CommandError(str(exc)) from exc
        if o["out"]:
            self.stdout.write(f"Results written to {o['out']}")


def randomised_hint() -> str:
    from devtools.bench.peer import INSTALL_HINT

    return INSTALL_HINT
