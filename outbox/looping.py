"""Running a command's pass again and again (`--loop`), for a process
manager to keep alive. SIGTERM or Ctrl-C ends the loop between passes, never
in the middle of one."""

import signal
import threading
from collections.abc import Callable

from django.core.management.base import CommandError
from django.db import close_old_connections, connection


def add_arguments(parser, *, interval: float) -> None:
    """The --loop and --interval options of a command that can loop."""
    parser.add_argument("--loop", action="store_true", help="Keep running, one pass per interval.")
    parser.add_argument(
        "--interval",
        type=float,
        default=interval,
        help=f"Seconds between passes with --loop (default {interval:g}).",
    )


def run_command(one_pass: Callable[[], object], *, loop: bool, interval: float) -> None:
    """One pass, or (with --loop) passes until stopped."""
    if interval <= 0:
        raise CommandError("--interval must be a positive number of seconds.")
    if loop:
        run(one_pass, interval=interval)
    else:
        one_pass()


def run(one_pass: Callable[[], object], *, interval: float, passes: int | None = None) -> None:
    """Call `one_pass` every `interval` seconds until stopped (or `passes` times)."""
    stop = threading.Event()

    def request_stop(signum, frame):
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        done = 0
        while not stop.is_set():
            if not connection.in_atomic_block:
                close_old_connections()  # a connection the server dropped is replaced
            one_pass()
            done += 1
            if passes is not None and done >= passes:
                break
            stop.wait(interval)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
