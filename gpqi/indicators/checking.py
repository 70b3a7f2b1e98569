"""Checking one definition file: every problem found, each with its file, line and field.

A definition may come from anyone with access to the workspace or the editor, so the checks run
in an order that keeps hostile input cheap: the size first (`MAX_BYTES`), then the encoding
(UTF-8 text, no NUL bytes), then the YAML event stream without building anything (nesting
deeper than `MAX_DEPTH`, anchors and aliases — a "billion laughs" expands through them — are
refused), then the node tree (a key given twice is refused instead of the last one silently
winning), and only then the typed model. Unknown codelists are found from the node tree, so
they are reported together with the model's errors rather than after they are fixed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from gpqi.indicators.model import Indicator

__all__ = ["MAX_BYTES", "MAX_DEPTH", "Problem", "check_bytes", "check_text"]

MAX_BYTES = 256 * 1024  # the longest built-in definition is under 4 KB
MAX_DEPTH = 40  # YAML levels; the deepest built-in definition uses 7
CODELIST_KEYS = ("codelist", "resolved")


@dataclass(frozen=True, order=True)
class Problem:
    line: int
    source: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line else ""
        field = f"{self.field}: " if self.field else ""
        return f"{self.source}: {where}{field}{self.message}"


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at a pydantic error location (best effort)."""
    line = None if node is None else node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if match is None:
                continue  # tags such as 'group' or 'event' that pydantic adds to the path
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
        else:
            continue
        line = node.start_mark.line + 1
    return line


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    # Discriminated unions add the tag to the path ('all', 0, 'event', 'event', ...): drop
    # the repeat, and the synthetic 'group' / model-name tags, so the path reads like the YAML.
    out: list[Any] = []
    for part in loc:
        if part in ("group", "appointments") or (isinstance(part, str) and part.startswith("function-")):
            continue
        if out and part == out[-1] and isinstance(part, str):
            continue
        out.append(part)
    return tuple(out)


def _stream_problems(text: str, source: str) -> list[Problem]:
    """Nesting depth and aliases, read from the event stream (nothing is built)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1 if event.start_mark else 0
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                return [Problem(line, source, "", "anchors and aliases (&name, *name) are not allowed")]
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return [Problem(line, source, "", f"nested more than {MAX_DEPTH} levels deep")]
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        return [Problem(mark.line + 1 if mark else 0, source, "", f"not valid YAML: {problem}")]
    return []


def _tree_problems(node: yaml.Node, source: str, known: Collection[str] | None) -> list[Problem]:
    """Duplicate keys and unknown codelist slugs, walking the node tree without recursion."""
    problems: list[Problem] = []
    stack: list[tuple[yaml.Node, str]] = [(node, "")]
    while stack:
        current, path = stack.pop()
        if isinstance(current, yaml.SequenceNode):
            stack.extend((child, f"{path}.{i}" if path else str(i)) for i, child in enumerate(current.value))
            continue
        if not isinstance(current, yaml.MappingNode):
            continue
        seen: dict[str, int] = {}
        for key, value in current.value:
            name = str(getattr(key, "value", ""))
            line = key.start_mark.line + 1
            field = f"{path}.{name}" if path else name
            if name in seen:
                problems.append(
                    Problem(line, source, field, f"{name!r} is given twice (first on line {seen[name]})")
                )
            seen.setdefault(name, line)
            if known is not None and (name in CODELIST_KEYS or (name == "event" and path.endswith("since"))):
                scalars = value.value if isinstance(value, yaml.SequenceNode) else [value]
                for item in scalars:
                    slug = getattr(item, "value", None)
                    if isinstance(item, yaml.ScalarNode) and slug and slug not in known:
                        problems.append(
                            Problem(
                                item.start_mark.line + 1,
                                source,
                                field,
                                f"unknown codelist {slug!r}; see `gpqi codelists list` or add it with "
                                "`gpqi codelists add`",
                            )
                        )
            stack.append((value, field))
    return problems


def check_text(
    text: str, source: str = "<string>", known_codelists: Collection[str] | None = None
) -> tuple[Indicator | None, list[Problem]]:
    """Validate a definition given as text: (the indicator, []) or (None, every problem).

    `known_codelists` are the slugs a definition may use (None: do not check them)."""
    if len(text) > MAX_BYTES:
        return None, [Problem(0, source, "", f"larger than {MAX_BYTES // 1024} KB: not a definition")]
    if "\x00" in text:
        return None, [Problem(0, source, "", "contains NUL bytes: not a text file")]
    problems = _stream_problems(text, source)
    if problems:
        return None, problems
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or node is None:
        return None, [
            Problem(0, source, "", "a definition is a mapping of fields (id, title, denominator, ...)")
        ]
    problems = _tree_problems(node, source, known_codelists)
    try:
        indicator = Indicator.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = _clean_loc(tuple(err["loc"]))
            problems.append(
                Problem(
                    _line_of(node, loc) or 0,
                    source,
                    ".".join(str(p) for p in loc) or "(top level)",
                    err["msg"].removeprefix("Value error, "),  # pydantic's prefix to our own messages
                )
            )
        indicator = None
    except RecursionError:
        problems.append(Problem(0, source, "", "nested too deeply to check"))
        indicator = None
    if problems:
        return None, sorted(set(problems))
    return indicator, []


def check_bytes(
    data: bytes, source: str, known_codelists: Collection[str] | None = None
) -> tuple[Indicator | None, list[Problem]]:
    """As check_text, for the raw bytes of a file or an upload (size and encoding first)."""
    if len(data) > MAX_BYTES:
        return None, [
            Problem(
                0, source, "", f"{len(data)} bytes is larger than {MAX_BYTES // 1024} KB: not a definition"
            )
        ]
    if b"\x00" in data:
        return None, [Problem(0, source, "", "contains NUL bytes: a binary file, not a YAML definition")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [Problem(0, source, "", f"not UTF-8 text (byte {exc.start} cannot be decoded)")]
    return check_text(text, source, known_codelists)
