"""Named stages of an ingest where a test can pause it, to kill it there and prove atomicity.

Set GPQI_INGEST_PAUSE_AT to a stage name (or several, comma-separated; `practice:*` matches
every practice) and GPQI_INGEST_PAUSE_FILE to a path: on reaching the stage the ingest writes
the stage name to that file and sleeps, so the test knows where it is when it kills it (or
deletes the file to let it go on).
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
    pause(name, PAUSE_AT, PAUSE_FILE)


def pause(name: str, at_variable: str, file_variable: str) -> None:
    """Pause at `name` if the environment variable `at_variable` asks for it (shared with the
    engine's run stages, which use their own variables)."""
    wanted = os.environ.get(at_variable)
    if not wanted or not any(fnmatch.fnmatchcase(name, w.strip()) for w in wanted.split(",")):
        return
    marker = os.environ.get(file_variable)
    if marker:
        with open(marker, "a", encoding="utf-8") as fh:
            fh.write(name + "\n")
    # Sleep until killed, or until the test deletes the marker file to let it go on.
    deadline = time.monotonic() + PAUSE_SECONDS
    while time.monotonic() < deadline and (not marker or os.path.exists(marker)):
        time.sleep(0.05)
