"""The embedded PostgreSQL (pgserver) for machines without DATABASE_URL."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

USE = """
import os, sys
from pathlib import Path
from miao_site.embedded_db import embedded_database_url
embedded_database_url(Path(sys.argv[1]))
if sys.argv[2] == "hard-exit":
    os._exit(1)  # as runserver does on a busy port: no exit handlers run
print("ready", flush=True)
sys.stdin.readline()  # until told to stop; then a normal exit
"""


def start_using(data_dir: Path, how: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    process = subprocess.Popen(  # noqa: S603 - fixed interpreter and script
        [sys.executable, "-c", USE, str(data_dir), how],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if how == "hard-exit":
        process.wait(timeout=120)
    else:
        assert process.stdout.readline().strip() == "ready"
    return process


def server_running(data_dir: Path) -> bool:
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def data_dir(tmp_path):
    """A fresh server folder; a server still running at the end is stopped."""
    tmp_path.chmod(0o755)  # pgserver runs the server as its own user under root
    data_dir = tmp_path / "pgdata"
    yield data_dir
    if server_running(data_dir):
        os.kill(int((data_dir / "postmaster.pid").read_text().split()[0]), signal.SIGTERM)


@pytest.mark.skipif(sys.platform != "linux", reason="pgserver's Linux binaries")
def test_the_server_stops_with_its_last_user_even_after_an_abrupt_exit(data_dir):
    real = start_using(data_dir, "normal")  # the first `make run`
    start_using(data_dir, "hard-exit")  # a second one, failing on the busy port
    assert server_running(data_dir)
    real.communicate("\n", timeout=120)  # the first one stops normally
    for _ in range(50):
        if not server_running(data_dir):
            break
        time.sleep(0.1)
    assert not server_running(data_dir)
