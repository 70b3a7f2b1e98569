"""The one memo of derived figures: per process, keyed on everything a value depends on.

A key always starts with the version of the data it was computed from (the results file's
size and time, a series file's, a campaign's last change), so a new run or edit is never
answered from an old entry, and nothing needs clearing. Entries are dropped least recently used
past `entries`. One computation per key: users arriving together for the same figure wait for
the first to finish rather than each working it out (they would share one core under the GIL).
Keys hold codes and versions only; what a value holds is decided by whoever builds the key
(figures for a whole class of viewers never hold one viewer's labels).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

ENTRIES = 1000  # 0.1-0.3 MB each at 6,500 practices for the largest (per-practice arrays)


class Memo:
    def __init__(self, entries: int = ENTRIES) -> None:
        self.entries = entries
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            pending = self._pending.setdefault(key, threading.Lock())
        with pending:
            with self._lock:
                if key in self._values:
                    return self._values[key]
            try:
                value = compute()
                with self._lock:
                    self._values[key] = value
                    while len(self._values) > self.entries:
                        self._values.popitem(last=False)
            finally:
                with self._lock:
                    self._pending.pop(key, None)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


MEMO = Memo()  # the process's memo, shared by every figure in gpqi.access
