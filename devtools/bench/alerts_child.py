"""One `send_alerts` run in a fresh process, as the scheduler starts it:

    python -m devtools.bench.alerts_child

Prints one JSON line: the run's report and the peak resident set size of the
process (VmHWM), Django set-up included. Settings: devtools.bench.settings
(DEBUG off, as in production).
"""

import json
import os
from dataclasses import asdict


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devtools.bench.settings")
    import django

    django.setup()
    from alerts.digests import send_alerts
    from devtools.bench.export_child import peak_rss_mb

    report = send_alerts()
    print(json.dumps({**asdict(report), "text": str(report), "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
