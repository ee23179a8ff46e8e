"""A real primary and hot standby on this machine (initdb, pg_basebackup -R,
two pg_ctl instances on 127.0.0.1:55432 and :55433 in a temporary directory),
with the site pointed at them: reads go to the standby, writes to the
primary, read-your-writes holds, a standby that is behind is not used, and
with the standby stopped the site still answers 200.

Skipped when PostgreSQL's server binaries are not installed or the ports are
taken. The cluster is stopped and removed in every case."""

import contextlib
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.replica_cluster

PRIMARY_PORT, REPLICA_PORT = 55432, 55433
ROOT = Path(__file__).resolve().parents[2]


def server_binaries() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if all(Path(candidate, name).exists() for name in ("initdb", "pg_ctl", "pg_basebackup")):
            return Path(candidate)
    return None


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def os_user() -> str | None:
    """initdb refuses root: run the servers as `postgres` then."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "pgserver"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    pytest.skip("running as root and no unprivileged user to run PostgreSQL as")


class Cluster:
    def __init__(self, binaries: Path, directory: Path, user: str | None):
        self.bin, self.dir, self.user = binaries, directory, user

    def command(self, name: str, *args: str) -> list[str]:
        line = [str(self.bin / name), *args]
        return ["runuser", "-u", self.user, "--", *line] if self.user else line

    def run(self, name: str, *args: str) -> None:
        subprocess.run(self.command(name, *args), check=True, capture_output=True, timeout=60)

    def data(self, which: str) -> str:
        return str(self.dir / which)

    def start(self, which: str, port: int) -> None:
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            # Every statement in the server's log: which server ran what.
            " -c log_statement=all"
        )
        log = str(self.dir / f"{which}.log")
        self.run("pg_ctl", "-D", self.data(which), "-l", log, "-o", options, "-w", "start")

    def log(self, which: str) -> str:
        return (self.dir / f"{which}.log").read_text(errors="replace")

    def stop_command(self, which: str) -> list[str]:
        return self.command("pg_ctl", "-D", self.data(which), "-m", "immediate", "-w", "stop")


@pytest.fixture(scope="module")
def cluster():
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not found")
    if not (port_free(PRIMARY_PORT) and port_free(REPLICA_PORT)):
        pytest.skip(f"ports {PRIMARY_PORT}/{REPLICA_PORT} are taken")
    user = os_user()
    directory = Path(tempfile.mkdtemp(prefix="miao-replicas-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    cluster = Cluster(binaries, directory, user)
    started = []
    try:
        cluster.run(
            "initdb", "-D", cluster.data("primary"), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        cluster.start("primary", PRIMARY_PORT)
        started.append("primary")
        cluster.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(PRIMARY_PORT), "-U", "postgres",
            "-D", cluster.data("replica"), "-R", "-X", "stream", "--no-sync",
        )  # fmt: skip
        cluster.start("replica", REPLICA_PORT)
        started.append("replica")
        yield cluster
    finally:
        for which in started:
            subprocess.run(cluster.stop_command(which), capture_output=True, timeout=60)
        shutil.rmtree(directory, ignore_errors=True)


def site_env(database: str) -> dict:
    env = dict(os.environ)
    env.update(
        DEBUG="true",
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{PRIMARY_PORT}/{database}",
        DATABASE_REPLICA_URLS=f"postgresql://postgres@127.0.0.1:{REPLICA_PORT}/{database}",
        DATABASE_REPLICA_CHECK_SECONDS="1",
        DATABASE_CONN_MAX_AGE="0",
        CACHE_URL="locmem://",
        DJANGO_SETTINGS_MODULE="miao_site.settings",
        ALLOWED_HOSTS="testserver",
    )
    return env


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
        capture_output=True, timeout=120,
    )  # fmt: skip


def test_reads_from_the_standby_writes_to_the_primary_and_survives_its_loss(cluster):
    database = "miao_cluster"
    subprocess.run(
        cluster.command("createdb", "-h", "127.0.0.1", "-p", str(PRIMARY_PORT), "-U", "postgres",
                        database),
        check=True, capture_output=True,
    )  # fmt: skip
    env = site_env(database)
    manage(env, "migrate", "--noinput")
    manage(env, "load_reference")
    env["STOP_REPLICA"] = " ".join(cluster.stop_command("replica"))
    run = subprocess.run(
        [sys.executable, "tests/replica_cluster/site_checks.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-4000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])

    assert seen["replica_is_a_standby"] is True
    assert seen["primary_is_a_standby"] is False
    assert seen["first_replayed"] is True

    # Anonymous reads: the pages' queries run on the standby (its replay
    # check and at least one query of the page: counts the stats page took
    # just before come from the cache); the primary is asked for the data
    # version only (the validators' source).
    for path, read in seen["reads"].items():
        assert read["status"] == 200, path
        assert read["primary_queries"] == 1, (path, read)
        assert read["replica_queries"] >= 2, (path, read)
        if path != "/stats/":  # figures, not titles
            assert read["marker"], path
    # The servers' own logs: the CSV export's COPY ran on the standby only.
    assert "COPY (SELECT" in cluster.log("replica")
    before_stop = cluster.log("primary").split("phase: replica stopped")[0]
    assert "COPY (SELECT" not in before_stop
    assert seen["reads"]["/waivers/?q=clusterread"]["marker"]
    assert seen["reads"]["/waivers/export.csv"]["marker"]
    assert "public" in seen["reads"]["/api/v1/waivers/"]["cache_control"]

    # A write through the site lands on the primary and marks the writer.
    assert seen["write_status"] == 302
    assert seen["write_sets_cookie"] is True
    assert seen["subscription_on_primary"] is True

    # Read-your-writes while the standby is paused behind the primary.
    assert seen["replica_lacks_new_waiver"] is True
    mine = seen["read_after_own_write"]
    assert mine["status"] == 200
    assert mine["sees_write"] is True
    assert mine["replica_queries"] == 0
    assert "private" in mine["cache_control"]

    # A stranger is not served the older data under newer validators.
    behind = seen["stranger_while_behind"]
    assert behind["status"] == 200
    assert behind["sees_write"] is True
    paused = seen["healthz_while_paused"]
    assert paused["status"] == 200
    assert paused["body"]["replicas"]["replica_1"]["up"] is True
    replica_version = paused["body"]["replicas"]["replica_1"]["data_version"]
    assert replica_version < paused["body"]["primary"]["data_version"]

    # Caught up again: reads return to the standby, same validators.
    assert seen["replayed_after_resume"] is True
    after = seen["stranger_after_resume"]
    assert after["sees_write"] is True
    assert after["replica_queries"] >= 2  # the body comes from the shared cache
    fresh = seen["fresh_page_after_resume"]
    assert fresh["sees_write"] is True
    assert fresh["replica_queries"] > 2
    assert fresh["primary_queries"] == 1
    assert after["last_modified"] == behind["last_modified"]

    # The standby is stopped: every page still answers, from the primary.
    for path, read in seen["replica_stopped"].items():
        assert read["status"] == 200, path
        assert read["primary_queries"] >= 1, path
    for path in ("/waivers/?q=clusterread", "/api/v1/waivers/", "/waivers/export.csv"):
        assert seen["replica_stopped"][path]["marker"], path
    assert "COPY (SELECT" in cluster.log("primary").split("phase: replica stopped")[1]
    stopped = seen["healthz_replica_stopped"]
    assert stopped["status"] == 200
    assert stopped["body"]["replicas"]["replica_1"]["up"] is False
    assert stopped["body"]["primary"]["up"] is True
