"""Running a command's pass again and again (`--loop`), for a process
manager to keep alive. SIGTERM or Ctrl-C ends the loop between passes, never
in the middle of one."""

import signal
import threading
from collections.abc import Callable

from django.db import close_old_connections, connection


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
