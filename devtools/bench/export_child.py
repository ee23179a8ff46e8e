"""Measure one streamed export in a fresh process: throughput and the peak
memory of the process serving it.

    python -m devtools.bench.export_child /waivers/export.csv

Prints one JSON line. The process sets Django up, serves one small request
(so code and connections are warm), reads its peak resident set size
(VmHWM), then streams the export through the test client, consuming it
chunk by chunk as a WSGI server would, and reads VmHWM again.
"""

import json
import os
import sys
import time


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux /proc; falls back to getrusage)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stream(client, url: str) -> dict:
    """Request an export and consume it chunk by chunk, as a WSGI server
    would: its status, rows (lines after the header), bytes and speed."""
    started = time.perf_counter()
    response = client.get(url)
    rows, size = -1, 0  # the header line is not a row
    for chunk in response.streaming_content if response.streaming else [response.content]:
        size += len(chunk)
        rows += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    return {
        "status": response.status_code,
        "streaming": bool(response.streaming),
        "rows": rows,
        "bytes": size,
        "seconds": seconds,
        "rows_per_second": rows / seconds if seconds else 0.0,
    }


def measure(url: str) -> dict:
    from django.test import Client

    client = Client()
    warm = client.get(url + ("&" if "?" in url else "?") + "type=jones_act&naics=11")
    b"".join(warm.streaming_content) if warm.streaming else warm.content
    baseline = peak_rss_mb()
    result = stream(client, url)
    return {**result, "baseline_rss_mb": baseline, "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devtools.bench.settings")
    import django

    django.setup()
    print(json.dumps(measure(sys.argv[1])))


if __name__ == "__main__":
    main()
