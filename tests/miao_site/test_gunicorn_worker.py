"""miao_site.gunicorn_worker: a real gunicorn worker collects the cycles a
request left behind once its response is sent, before the next request, in
place of the collection when a request starts."""

import http.client
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]


def answers(worker_class: str, requests: int) -> list[str]:
    port = free_port()
    command = [
        *(sys.executable, "-m", "gunicorn", "tests.miao_site.cycles_app:app"),
        *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", worker_class),
    ]
    server = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)  # noqa: S603
    try:
        deadline = time.monotonic() + 30
        bodies = []
        while len(bodies) < requests:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                connection.request("GET", "/")
                bodies.append(connection.getresponse().read().decode())
            except ConnectionRefusedError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
            finally:
                connection.close()
        return bodies
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize(
    ("worker_class", "answer"),
    [
        ("miao_site.gunicorn_worker.SyncWorker", "collected, unhooked"),
        ("sync", "alive, hooked"),  # (a request_started signal would collect; none is sent)
    ],
)
def test_each_request_finds_the_cycles_of_the_one_before_collected(worker_class, answer):
    first, *others = answers(worker_class, 4)
    assert first.startswith("collected")  # there was no request before it
    assert others == [answer] * 3
