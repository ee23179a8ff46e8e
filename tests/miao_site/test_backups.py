"""manage.py backup and restore_backup (miao_site/backups.py): a dump
restored into a fresh database serves the same site, with every history and
audit row."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from miao_site.connection_url import connection_url
from tests.admin.conftest import make_draft
from tests.factories import UserFactory, post
from tests.waivers.search_catalogue import build_catalogue
from waivers.models import WaiverAuditEntry, WaiverStatusChange

ROOT = Path(__file__).resolve().parents[2]

# What the site serves from a database, read by a separate process pointed at it.
FIGURES = """
import hashlib, json
import django
django.setup()
from django.test import Client
from waivers.models import Waiver, WaiverAuditEntry, WaiverStatusChange

def digest(queryset):
    rows = list(queryset.order_by("pk").values_list())
    return len(rows), hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()

client = Client()
export = b"".join(client.get("/waivers/export.csv").streaming_content)
print(json.dumps({
    "stats": client.get("/api/v1/stats/").json(),
    "listed": client.get("/api/v1/waivers/", {"page_size": 100}).json()["count"],
    "export": hashlib.sha256(export).hexdigest(),
    "export_rows": export.count(b"\\n"),
    "waivers": digest(Waiver.objects.all()),
    "history": digest(WaiverStatusChange.objects.all()),
    "audit": digest(WaiverAuditEntry.objects.all()),
}))
"""


def manage(*args, database: str, check=True) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DEBUG": "true",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": connection_url(database),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    command = [sys.executable, *(["-c", FIGURES] if args == ("figures",) else ["manage.py", *args])]
    result = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        command,
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "miao_site.settings"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def fresh_database():
    """An empty database on the same server, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    params = connection.get_connection_params()
    admin = {key: params[key] for key in ("host", "port", "user", "password") if key in params}
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_restored_dump_serves_the_same_site(committed_db, tmp_path, fresh_database):
    build_catalogue()
    staffer = UserFactory(username="auditor", is_staff=True)
    post(make_draft(actor=staffer, procurement_title="Audited waiver"), actor=staffer)
    assert WaiverAuditEntry.objects.exists() and WaiverStatusChange.objects.exists()

    dump = tmp_path / "site.dump"
    call_command("backup", output=dump, stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert dump.stat().st_size > 0

    manage("restore_backup", str(dump), database=fresh_database)
    assert "No migrations to apply" in manage("migrate", database=fresh_database).stdout

    original = json.loads(manage("figures", database=connection.settings_dict["NAME"]).stdout)
    restored = json.loads(manage("figures", database=fresh_database).stdout)
    assert restored == original
    assert original["listed"] == original["export_rows"] - 1 > 0  # header + one row a waiver
    assert original["history"][0] > 0 and original["audit"][0] > 0


def test_restore_refuses_a_database_that_is_not_empty(db, tmp_path):
    dump = tmp_path / "site.dump"
    call_command("backup", output=dump, stdout=open(os.devnull, "w"))  # noqa: SIM115
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore_backup", str(dump))


def test_backup_never_overwrites_a_file(db, tmp_path):
    existing = tmp_path / "site.dump"
    existing.write_text("keep me")
    with pytest.raises(CommandError, match="exists"):
        call_command("backup", output=existing)
    assert existing.read_text() == "keep me"
