"""Backups of the site's database with PostgreSQL's own tools (pg_dump,
pg_restore), for the server DATABASE_URL names and for the embedded one
alike. `manage.py backup` writes one; docs/backups.md says how to restore.

pg_dump reads the whole database in one transaction (a single snapshot), so
a dump is consistent while the site keeps serving and writing: every
waiver, its history and audit rows, the data version and the outbox as they
were at one instant.
"""

import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

from django.db import connection

PROGRAMS = ("pg_dump", "pg_restore")


class BackupError(Exception):
    pass


def _major_version(program: Path) -> int | None:
    try:
        result = subprocess.run(  # noqa: S603 - a PostgreSQL program found below
            [str(program), "--version"], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\(PostgreSQL\) (\d+)", result.stdout)
    return int(found[1]) if found else None


def candidates(name: str) -> list[Path]:
    """`name` on PATH, then the copy bundled with the embedded server
    (pgserver's binaries)."""
    found = []
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs, when XDG_RUNTIME_DIR is unset
            from pgserver._commands import POSTGRES_BIN_PATH
    except ImportError:  # pragma: no cover - pgserver is a dependency
        pass
    else:
        bundled = POSTGRES_BIN_PATH / name
        if bundled.exists():
            found.append(bundled)
    return found


def server_major_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def program(name: str, server_major: int) -> Path:
    """The PostgreSQL program `name` best suited to the server: the oldest
    major version that is not older than the server's (pg_dump refuses a
    newer server; an older pg_restore cannot read a newer dump)."""
    versions = [(_major_version(path), path) for path in candidates(name)]
    usable = sorted((v, str(p)) for v, p in versions if v is not None and v >= server_major)
    if not usable:
        seen = ", ".join(f"{p} ({v or 'unknown'})" for v, p in versions) or "none"
        raise BackupError(
            f"No {name} of PostgreSQL {server_major} or newer (found: {seen}). "
            f"Install the PostgreSQL {server_major} client tools."
        )
    return Path(usable[0][1])


def connection_arguments() -> tuple[list[str], dict[str, str]]:
    """Options for a PostgreSQL program to reach the site's database, and its
    environment (password, SSL settings, as Django's dbshell passes them)."""
    settings = connection.settings_dict
    # The embedded server's address is a socket folder, given as ?host=.
    host = settings["HOST"] or settings["OPTIONS"].get("host", "")
    args = ["--dbname", settings["NAME"]]
    if host:
        args += ["--host", host]
    if settings["PORT"]:
        args += ["--port", str(settings["PORT"])]
    if settings["USER"]:
        args += ["--username", settings["USER"]]
    _, env = connection.client.settings_to_cmd_args_env(settings, [])
    return args, {**os.environ, **(env or {})}


def dump(output: Path) -> Path:
    """Write a dump (pg_dump's custom format) of the whole database to
    `output`, checked readable by pg_restore; the file appears only once it
    is complete."""
    server_major = server_major_version()
    pg_dump, pg_restore = (program(name, server_major) for name in PROGRAMS)
    args, env = connection_arguments()
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    try:
        _run([pg_dump, "--format=custom", "--no-password", f"--file={partial}", *args], env)
        _run([pg_restore, "--list", str(partial)], env)  # readable, whole
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return output


def restore(path: Path) -> None:
    """Load a dump into the site's database, which must be empty (a new
    database): all of it in one transaction, or nothing."""
    if connection.introspection.table_names():
        raise BackupError(
            f"The database {connection.settings_dict['NAME']!r} is not empty; restore into "
            "a new, empty database (createdb) and point DATABASE_URL at it."
        )
    pg_restore = program("pg_restore", server_major_version())
    args, env = connection_arguments()
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            *args,
            str(path),
        ],
        env,
    )


def _run(command: list, env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 - PostgreSQL's programs, no shell
        [str(part) for part in command], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")
