"""Profile one indicator run with cProfile: where the time of `gpqi.engine.run` goes.

    .venv/bin/python scripts/profile-run.py WORKSPACE OUT.prof [DATES]

Runs the workspace's whole library over DATES (default the 120 month ends April 2016 to
March 2026) with nothing written, prints wall and CPU seconds, the load average and the
run's own timings, and saves the profile (read it with `python -m pstats OUT.prof`).
"""

from __future__ import annotations

import cProfile
import json
import os
import resource
import sys
import time

from gpqi.engine.runner import run


def main() -> None:
    workspace, out = sys.argv[1], sys.argv[2]
    dates = sys.argv[3] if len(sys.argv) > 3 else "monthly:2016-04..2026-03"
    profile = cProfile.Profile()
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    profile.enable()
    outcome = run(workspace, dates=dates, force=True, write=False)
    profile.disable()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    profile.dump_stats(out)
    print(f"wall {wall:.1f} s, cpu {cpu:.1f} s, load average {os.getloadavg()}")
    print(json.dumps(outcome.info["timings_seconds"]))


if __name__ == "__main__":
    main()
