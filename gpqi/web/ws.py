"""The workspace the web app serves (settings.WORKSPACE), opened once per path."""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

from gpqi.workspace import Workspace, open_workspace

_cache: dict[Path, Workspace] = {}
_lock = threading.Lock()


def workspace() -> Workspace:
    root = Path(settings.WORKSPACE)
    with _lock:
        ws = _cache.get(root)
        if ws is None:
            ws = _cache[root] = open_workspace(root)
        return ws
