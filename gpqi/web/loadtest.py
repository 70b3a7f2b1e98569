"""A bounded load test of a running dashboard on this machine (loopback only): N concurrent
logged-in users each request every page in turn, R rounds; prints p50/p95/max per page.

    python -m gpqi.web.loadtest --base http://127.0.0.1:8000 --users 20 --rounds 10 \
        --login clinician:PASSWORD --page / --page /practices/Y00001/ ...

Each user logs in once (its own session); when all have, they request pages, timed, and the
run stops by itself after users x rounds x pages requests. `--think S` makes each user pause between pages (uniformly
0.5 S to 1.5 S, seeded), as a person reading the page would; without it every user asks for the
next page the moment the last one arrives (a saturation test). `--warmup` first requests every
page once per login, unmeasured (the server's per-process memos are then built, as they are on a
server that has been up for a while). Used for docs/performance.md.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import random
import re
import statistics
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict


def _session(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    req = urllib.request.Request(
        base + "/accounts/login/", data=data, headers={"Referer": base + "/accounts/login/"}
    )
    response = opener.open(req)
    if "/accounts/login/" in response.geturl():
        raise SystemExit(f"login failed for {username}")
    return opener


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default="http://127.0.0.1:8000")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument(
        "--login", action="append", required=True, help="username:password (users cycle through these)"
    )
    ap.add_argument("--page", action="append", required=True)
    ap.add_argument("--think", type=float, default=0.0, help="mean pause between a user's pages (seconds)")
    ap.add_argument(
        "--warmup", action="store_true", help="request every page once per login first, unmeasured"
    )
    args = ap.parse_args()
    host = urllib.parse.urlparse(args.base).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("load tests target this machine only (127.0.0.1 / localhost)")
    logins = [tuple(x.split(":", 1)) for x in args.login]
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()

    if args.warmup:
        for name, password in logins:
            opener = _session(args.base, name, password)
            for page in args.page:
                with opener.open(args.base + page, timeout=120) as r:
                    r.read()

    # Every user logs in before any page is timed: a log-in hashes the password (PBKDF2, about
    # 0.5 s of CPU by design), and 20 of them running beside the pages would measure log-ins.
    ready = threading.Barrier(args.users + 1)

    def user(i: int) -> None:
        name, password = logins[i % len(logins)]
        try:
            opener = _session(args.base, name, password)
        except Exception:
            ready.abort()  # the others must not wait for a user who cannot log in
            raise
        ready.wait()
        rng = random.Random(i)
        time.sleep(rng.uniform(0, args.think))  # users arrive spread out, not in lockstep
        for _ in range(args.rounds):
            for page in args.page:
                if args.think:
                    time.sleep(rng.uniform(0.5 * args.think, 1.5 * args.think))
                t0 = time.perf_counter()
                try:
                    with opener.open(args.base + page, timeout=60) as r:
                        r.read()
                        ok = r.status == 200
                except Exception:  # noqa: BLE001 - counted and reported
                    ok = False
                dt = time.perf_counter() - t0
                with lock:
                    timings[page].append(dt)
                    if not ok:
                        errors[page] += 1

    threads = [threading.Thread(target=user, args=(i,)) for i in range(args.users)]
    for t in threads:
        t.start()
    try:
        ready.wait()  # all logged in: the clock starts now
    except threading.BrokenBarrierError:
        raise SystemExit("a user could not log in (see the error above)") from None
    start = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    total = sum(len(v) for v in timings.values())
    print(
        f"{args.users} users x {args.rounds} rounds x {len(args.page)} pages = {total} requests in {wall:.1f}s "
        f"({total / wall:.1f} req/s), think time {args.think:g} s"
    )
    print(f"{'page':60} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>6}")
    for page in args.page:
        v = sorted(timings[page])
        p95 = v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]
        print(
            f"{page:60} {len(v):5d} {statistics.median(v) * 1000:8.0f} {p95 * 1000:8.0f} {v[-1] * 1000:8.0f} {errors[page]:6d}"
        )
    every = sorted(x for v in timings.values() for x in v)
    p95_all = every[min(len(every) - 1, int(round(0.95 * (len(every) - 1))))]
    print(
        f"{'all pages':60} {len(every):5d} {statistics.median(every) * 1000:8.0f} {p95_all * 1000:8.0f} {every[-1] * 1000:8.0f}"
    )


if __name__ == "__main__":
    main()
