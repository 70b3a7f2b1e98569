"""A workspace's indicator library: the built-ins it chose to run, plus its own definitions.

    WS/indicators/<id>.yaml     the programme's own definitions, in the indicator language

A workspace definition whose id is a built-in's overrides that built-in (listed as such); any
other extends the library. `[indicators]` in gpqi.toml chooses the built-ins the programme runs
(`builtins = "all"` or a list of ids; `exclude = [...]` takes ids out, its own included).
Definitions may use the workspace's own codelists (`gpqi.codelists.workspace`); their version
hashes those codelists' codes like any other.

Checking never stops at the first bad file: `check_file` returns every problem of one file and
never raises, so one unreadable file cannot hide the problems of the others.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from gpqi.codelists.workspace import CodelistLibrary, library
from gpqi.indicators.checking import MAX_BYTES, Problem, check_bytes
from gpqi.indicators.loader import IndicatorError, _library_dir, load_library
from gpqi.indicators.model import DOMAINS, Indicator
from gpqi.workspace import CONFIG_FILE, IndicatorsSection, Workspace, open_workspace

__all__ = [
    "Entry",
    "WorkspaceLibrary",
    "check_file",
    "definition_files",
    "indicators_dir",
    "load_workspace_library",
    "new_definition",
    "set_checked_by",
    "workspace_library",
    "write_definition",
]

Origin = Literal["built-in", "workspace", "override"]
_ID_LINE = re.compile(r"^id:.*$", re.MULTILINE)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


@dataclass(frozen=True)
class Entry:
    indicator: Indicator
    origin: Origin
    path: Path
    selected: bool  # run by `gpqi run` without --indicators

    @property
    def origin_label(self) -> str:
        return {
            "built-in": "built-in",
            "workspace": "workspace",
            "override": "workspace (overrides built-in)",
        }[self.origin]


@dataclass
class WorkspaceLibrary:
    root: Path | None
    codelists: CodelistLibrary
    entries: dict[str, Entry]
    problems: list[Problem] = field(default_factory=list)

    def all(self) -> list[Indicator]:
        return [entry.indicator for entry in self.entries.values()]

    def selected(self) -> list[Indicator]:
        return [entry.indicator for entry in self.entries.values() if entry.selected]

    def entry(self, indicator_id: str) -> Entry:
        found = self.entries.get(indicator_id)
        if found is None:
            raise IndicatorError(f"unknown indicator {indicator_id!r}; see `gpqi indicators list`")
        return found

    def get(self, indicator_id: str) -> Indicator:
        return self.entry(indicator_id).indicator


def indicators_dir(root: Path) -> Path:
    return Path(root) / "indicators"


def definition_files(root: Path) -> list[Path]:
    folder = indicators_dir(root)
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("."))


def with_codelists(indicator: Indicator, codelists: CodelistLibrary) -> Indicator:
    """The indicator, its version hashing codes looked up in `codelists`."""
    indicator._codelists = codelists.load
    return indicator


def check_file(path: Path, codelists: CodelistLibrary) -> tuple[Indicator | None, list[Problem]]:
    """Every problem of one definition file, never raising (a file must be named by its id)."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, [
                Problem(
                    0, source, "", f"{size} bytes is larger than {MAX_BYTES // 1024} KB: not a definition"
                )
            ]
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(0, source, "", f"cannot read: {exc.strerror}")]
    return check_definition(data, source, codelists, expected_id=path.stem)


def check_definition(
    data: bytes, source: str, codelists: CodelistLibrary, expected_id: str | None = None
) -> tuple[Indicator | None, list[Problem]]:
    """Check a definition's bytes against a workspace's codelists (the editor and `check`)."""
    try:
        indicator, problems = check_bytes(data, source, codelists.available())
    except Exception as exc:  # noqa: BLE001 - a checker that crashes must still name the file
        return None, [Problem(0, source, "", f"could not be checked ({type(exc).__name__})")]
    if indicator is not None and expected_id is not None and indicator.id != expected_id:
        return None, [
            Problem(1, source, "id", f"{indicator.id!r} does not match the file name {expected_id}.yaml")
        ]
    if indicator is not None:
        with_codelists(indicator, codelists)
    return indicator, problems


def _selection_problems(
    section: IndicatorsSection, ids: set[str], builtin_ids: set[str], root: Path
) -> list[Problem]:
    source = str(Path(root) / CONFIG_FILE)
    problems = []
    if section.builtins != "all":
        for ind_id in section.builtins:
            if ind_id not in builtin_ids:
                problems.append(
                    Problem(0, source, "indicators.builtins", f"{ind_id!r} is not a built-in indicator")
                )
    for ind_id in section.exclude:
        if ind_id not in ids:
            problems.append(Problem(0, source, "indicators.exclude", f"unknown indicator {ind_id!r}"))
    return problems


def load_workspace_library(
    root: Path | None, section: IndicatorsSection | None = None, *, strict: bool = True
) -> WorkspaceLibrary:
    """The built-ins and the workspace's own definitions; IndicatorError listing every problem
    when `strict` and any workspace file or the selection is bad (else kept in `problems`)."""
    section = section or IndicatorsSection()
    codelists = library(root)
    builtins = {ind.id: ind for ind in load_library()}
    own: dict[str, tuple[Indicator, Path]] = {}
    problems: list[Problem] = []
    if root is not None:
        for path in definition_files(root):
            indicator, found = check_file(path, codelists)
            problems.extend(found)
            if indicator is not None:
                own[indicator.id] = (indicator, path)
    ids = set(builtins) | set(own)
    problems.extend(_selection_problems(section, ids, set(builtins), root or Path(".")))
    if strict and problems:
        raise IndicatorError("\n".join(str(p) for p in problems), problems)
    chosen_builtins = set(builtins) if section.builtins == "all" else set(section.builtins)
    excluded = set(section.exclude)
    entries: dict[str, Entry] = {}
    for ind_id in sorted(ids):
        if ind_id in own:
            indicator, path = own[ind_id]
            origin: Origin = "override" if ind_id in builtins else "workspace"
            entries[ind_id] = Entry(indicator, origin, path, ind_id not in excluded)
        else:
            selected = ind_id in chosen_builtins and ind_id not in excluded
            entries[ind_id] = Entry(builtins[ind_id], "built-in", _library_dir() / f"{ind_id}.yaml", selected)
    return WorkspaceLibrary(root, codelists, entries, problems)


_cache: dict[tuple, WorkspaceLibrary] = {}
_lock = threading.Lock()


def _signature(ws: Workspace) -> tuple:
    files = [ws.config_path, *definition_files(ws.root), *sorted((ws.root / "codelists").glob("*"))]
    stamp = []
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue
        stamp.append((str(path), st.st_mtime_ns, st.st_size))
    return (str(ws.root), tuple(stamp))


def workspace_library(ws: Workspace, *, strict: bool = True) -> WorkspaceLibrary:
    """The workspace's library, re-read when a definition, codelist or gpqi.toml changes."""
    key = (*_signature(ws), strict)
    with _lock:
        if key in _cache:
            return _cache[key]
    config = open_workspace(ws.root).config if ws.config_path.exists() else ws.config
    found = load_workspace_library(ws.root, config.indicators, strict=strict)
    with _lock:
        _cache.clear()
        _cache[key] = found
    return found


STARTER = """\
id: {id}
title: {title}
domain: cardiovascular          # {domains}
higher_is_better: true
reference: Local programme indicator (say where the standard comes from)
description: >-
  Describe in one or two sentences who is counted and what they need.
authored_by: {author}
denominator:
  all:
    - registered: {{for_at_least: 3 months}}
    - age: {{min: 65}}
numerator:
  all:
    - event: {{codelist: blood-pressure, within: 12 months}}
"""


def new_definition(root: Path, indicator_id: str, like: Indicator | None = None, like_path: Path | None = None,
                   author: str = "") -> Path:  # fmt: skip
    """Write `WS/indicators/<id>.yaml`: a copy of `like` under the new id, or a starter file."""
    if not _SLUG.match(indicator_id):
        raise IndicatorError(
            f"{indicator_id!r}: an id is lower-case letters, digits and hyphens (at most 60)"
        )
    target = indicators_dir(root) / f"{indicator_id}.yaml"
    if target.exists():
        raise IndicatorError(f"{target}: already exists; edit it, or choose another id")
    author = author or getpass.getuser()
    if like is not None and like_path is not None:
        text = like_path.read_text(encoding="utf-8")
        text = _ID_LINE.sub(f"id: {indicator_id}", text, count=1)
        text = re.sub(r"^checked_by:.*\n", "", text, flags=re.MULTILINE)
    else:
        text = STARTER.format(id=indicator_id, title=indicator_id.replace("-", " ").capitalize() + " (draft)",
                              domains=", ".join(DOMAINS), author=author)  # fmt: skip
    return write_definition(root, indicator_id, text)


_CHECKED_BY = re.compile(r"^checked_by:.*\n?", re.MULTILINE)
_AUTHORED_BY = re.compile(r"^authored_by:.*\n", re.MULTILINE)


def set_checked_by(text: str, name: str) -> str:
    """The definition text with its top-level `checked_by:` set to `name` (or removed if empty)."""
    text = _CHECKED_BY.sub("", text)
    if not name:
        return text
    line = f"checked_by: {json.dumps(name)}\n"
    match = _AUTHORED_BY.search(text)
    if match:
        return text[: match.end()] + line + text[match.end() :]
    return text.rstrip("\n") + "\n" + line


def write_definition(root: Path, indicator_id: str, text: str) -> Path:
    """Write WS/indicators/<id>.yaml atomically (a temp file renamed over), fsynced."""
    if not _SLUG.match(indicator_id):
        raise IndicatorError(
            f"{indicator_id!r}: an id is lower-case letters, digits and hyphens (at most 60)"
        )
    target = indicators_dir(root) / f"{indicator_id}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return target
