"""Named stages of `gpqi run` where a test can pause it, to ingest or kill meanwhile.

Set GPQI_RUN_PAUSE_AT to a stage (`run:opened`: the snapshot is open and nothing computed;
`run:staged`: every output is written aside, none in place) and GPQI_RUN_PAUSE_FILE to a path;
the mechanism is the ingest's (`gpqi.ingest.hooks`). Unset, it costs one environment lookup.
"""

from __future__ import annotations

from gpqi.ingest.hooks import pause

PAUSE_AT = "GPQI_RUN_PAUSE_AT"
PAUSE_FILE = "GPQI_RUN_PAUSE_FILE"


def stage(name: str) -> None:
    pause(name, PAUSE_AT, PAUSE_FILE)
