"""Named stages of an ingest where a test can pause it, to kill it there and prove atomicity.

Set GPQI_INGEST_PAUSE_AT to a stage name (or several, comma-separated; `practice:*` matches
every practice) and GPQI_INGEST_PAUSE_FILE to a path: on reaching the stage the ingest writes
the stage name to that file and sleeps, so the test knows where it is when it kills it.
Unset (always, outside tests) this costs one environment lookup per stage.
"""

from __future__ import annotations

import fnmatch
import os
import time

PAUSE_AT = "GPQI_INGEST_PAUSE_AT"
PAUSE_FILE = "GPQI_INGEST_PAUSE_FILE"
PAUSE_SECONDS = 120


def stage(name: str) -> None:
    wanted = os.environ.get(PAUSE_AT)
    if not wanted or not any(fnmatch.fnmatchcase(name, w.strip()) for w in wanted.split(",")):
        return
    marker = os.environ.get(PAUSE_FILE)
    if marker:
        with open(marker, "a", encoding="utf-8") as fh:
            fh.write(name + "\n")
    time.sleep(PAUSE_SECONDS)
