"""What one warm request of a dashboard page costs the server, without a load tool competing for
the cores: median wall time and CPU time (of the request's thread) of 20 requests per user and
page, through Django's test client in this process, after 3 unmeasured requests (the memos are
then built). CPU time is what saturation is made of, and it moves less than wall time when other
work shares the machine. Used for docs/performance.md:

    .venv/bin/python scripts/page_cost.py WORKSPACE clinician,analyst /indicators/pulse-check-65/ /campaigns/1/
"""

from __future__ import annotations

import os
import statistics
import sys
import time


def main() -> None:
    workspace, users, pages = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
    os.environ["GPQI_WORKSPACE"] = workspace
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gpqi.web.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    for user in users:
        client = Client()
        client.force_login(get_user_model().objects.get(username=user))
        for page in pages:
            for _ in range(3):
                client.get(page, HTTP_HOST="127.0.0.1")
            wall, cpu = [], []
            for _ in range(20):
                t, u = time.perf_counter(), time.thread_time()
                response = client.get(page, HTTP_HOST="127.0.0.1")
                cpu.append(1000 * (time.thread_time() - u))
                wall.append(1000 * (time.perf_counter() - t))
                if response.status_code != 200:
                    raise SystemExit(f"{page} as {user}: HTTP {response.status_code}")
            print(
                f"{user:12s} {page:32s} cpu p50 {statistics.median(cpu):6.1f} ms  "
                f"wall p50 {statistics.median(wall):6.1f} ms",
                flush=True,
            )


if __name__ == "__main__":
    main()
