"""The load test: gunicorn with two workers on loopback, and a small load
generator (threads + http.client) sending mixed traffic for a fixed time.

Bounded: a fixed number of clients, a fixed duration, loopback only."""

import http.client
import os
import random
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from devtools.bench.stats import percentile

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def flush_cache(cache_url: str) -> str:
    """Empty the server's shared cache, so the run starts from nothing (cache keys name the data
    version, whose numbers another database may share). A per-process
    (locmem) cache starts empty with the server."""
    if not cache_url.startswith(("redis://", "rediss://")):
        return "per-process cache, empty at start"
    import redis

    redis.Redis.from_url(cache_url).flushdb()
    return f"flushed {cache_url}"


class Server:
    """gunicorn serving the site with the benchmark settings."""

    def __init__(
        self, *, database_url: str, workers: int = 2, cwd: Path, cache_url: str | None = None
    ):
        self.port = free_port()
        self.workers = workers
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "devtools.bench.settings",
            "DATABASE_URL": database_url,
        }
        if cache_url:  # e.g. redis://: one cache shared by both workers, as deployed
            self.env["CACHE_URL"] = cache_url
        self.cwd = cwd
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "miao_site.wsgi:application",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "miao_site.gunicorn_worker.SyncWorker",  # as the README serves the site
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_until_it_answers(self.process, self.port, "/bench/floor/", "gunicorn")
        return self

    def __exit__(self, *exc):
        stop(self.process)


def wait_until_it_answers(process: subprocess.Popen, port: int, path: str, name: str) -> None:
    """Wait (up to 60 s) until the server `process` answers `path` with a 200;
    raise with the end of its error output if it exits first."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode()[-2000:]
            raise RuntimeError(f"{name} exited: {error}")
        try:
            if get(port, path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer within 60 s")


def stop(process: subprocess.Popen | None) -> None:
    """Stop a server process: terminate, then kill after 30 s."""
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def get(port: int, path: str, timeout: float = 60) -> tuple[int, int]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        return response.status, len(body)
    finally:
        connection.close()


@dataclass
class LoadResult:
    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict:
        return {
            "clients": self.clients,
            "seconds": round(self.seconds, 2),
            "requests": self.requests,
            "errors": self.errors,
            "error_samples": self.error_samples[:10],
            "requests_per_second": round(self.requests / self.seconds, 1) if self.seconds else 0,
            "p50_ms": round(percentile(self.latencies_ms, 50), 2),
            "p95_ms": round(percentile(self.latencies_ms, 95), 2),
            "p99_ms": round(percentile(self.latencies_ms, 99), 2),
            "requests_by_kind": self.by_kind,
        }


def warm_up(port: int, mix: list[tuple[str, float, list[str]]], threads: int = 2) -> dict:
    """Request every URL of the mix once (two at a time, one per worker) so the
    measured minute sees the caches as a running site has them."""
    urls = [url for _, _, pool in mix for url in pool]
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    started = time.monotonic()

    def work(part: list[str]) -> None:
        for url in part:
            try:
                status, _ = get(port, url, timeout=600)
            except OSError:
                status = 0
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    workers = [threading.Thread(target=work, args=(urls[i::threads],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {
        "requests": len(urls),
        "seconds": round(time.monotonic() - started, 1),
        "statuses": statuses,
    }


def run_load(
    port: int,
    mix: list[tuple[str, float, list[str]]],
    *,
    clients: int = 20,
    seconds: float = 60,
    seed: int = 0,
) -> LoadResult:
    """`clients` threads, each with its own keep-alive-free connection per
    request, picking (kind, weight, urls) from `mix` until `seconds` pass."""
    result = LoadResult(clients=clients, seconds=seconds)
    lock = threading.Lock()
    kinds = [kind for kind, _, _ in mix]
    weights = [weight for _, weight, _ in mix]
    urls = {kind: pool for kind, _, pool in mix}
    stop_at = time.monotonic() + seconds

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        local: list[tuple[str, float, str | None]] = []
        while time.monotonic() < stop_at:
            kind = rng.choices(kinds, weights)[0]
            url = rng.choice(urls[kind])
            started = time.perf_counter()
            problem = None
            try:
                status, _ = get(port, url)
                if status != 200:
                    problem = f"{status} {url}"
            except OSError as exc:
                problem = f"{type(exc).__name__} {url}"
            local.append((kind, (time.perf_counter() - started) * 1000, problem))
        with lock:
            for kind, ms, problem in local:
                result.requests += 1
                result.latencies_ms.append(ms)
                result.by_kind[kind] = result.by_kind.get(kind, 0) + 1
                if problem:
                    result.errors += 1
                    result.error_samples.append(problem)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    result.seconds = time.monotonic() - started
    return result
