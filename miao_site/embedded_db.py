"""An embedded PostgreSQL server for machines without DATABASE_URL.

The server (from the pgserver package) keeps its data under var/pgdata in the
checkout, so the database survives between runs. It is started once per
process, on first use, and shared by every process that points at the folder.
"""

import atexit
import warnings
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DATABASE_NAME = "miao"
# pgserver's list of the processes using the server, in its data folder.
HANDLES_FILE = ".handle_pids.json"


def embedded_database_url(data_dir: Path) -> str:
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (headless machines, CI).
            warnings.simplefilter("ignore")
            import pgserver
    except ImportError as exc:  # pragma: no cover - depends on the platform
        raise ImproperlyConfigured(
            "No embedded PostgreSQL is available on this platform; "
            "set DATABASE_URL to a PostgreSQL server (see .env.example)."
        ) from exc
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        forget_exited_processes(data_dir)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = pgserver.get_server(data_dir, cleanup_mode="stop")
        # Run at exit before pgserver's own handler (registered just before,
        # exit handlers run last-in first-out): the last real user stops the
        # server even when processes that ended abruptly are still listed.
        atexit.register(forget_exited_processes, data_dir)
        # DATABASE_NAME is a constant of this module, never user input.
        exists = server.psql(
            f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';"  # noqa: S608
        )
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    except Exception as exc:  # pragma: no cover - depends on the platform
        raise ImproperlyConfigured(
            f"The embedded PostgreSQL could not start ({exc}); "
            "set DATABASE_URL to a PostgreSQL server (see .env.example)."
        ) from exc
    return server.get_uri(DATABASE_NAME)


def forget_exited_processes(data_dir: Path) -> list[int]:
    """Remove from pgserver's list of the processes using the server those
    that have exited; return them.

    pgserver stops the server when the last process on that list exits, each
    process removing itself in an exit handler. A process that ends without
    running its exit handlers (runserver gives up on a busy port with
    os._exit; a worker ended by SIGTERM) stays listed, and the server then
    outlived every real user: a second `make run` on a busy port left it
    running after the first one stopped. Called before the server starts
    and again when each process using it exits."""
    import fasteners  # pgserver's dependencies, like the two below
    import psutil
    from pgserver.postgres_server import PostgresServer
    from pgserver.utils import DiskList

    handles = DiskList(data_dir / HANDLES_FILE)
    with fasteners.InterProcessLock(PostgresServer.lock_path):  # pgserver's own lock
        listed = handles.get()
        exited = [pid for pid in listed if not psutil.pid_exists(pid)]
        if exited:
            handles.put([pid for pid in listed if pid not in exited])
    return exited
