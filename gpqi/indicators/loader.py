"""Reading indicator YAML: validation errors that name the file, the field path and the line.

`load_file` reads one definition; `load_library` the built-in library (one file per indicator
in `library/` beside this module). Codelist slugs are checked against the bundled codelists.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from gpqi.indicators.model import Indicator


class IndicatorError(ValueError):
    """A definition is malformed or unknown; the message names the file, field and line."""


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


def parse(text: str, source: str = "<string>") -> Indicator:
    """Validate a definition given as YAML text; IndicatorError names field and line."""
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise IndicatorError(f"{source}{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise IndicatorError(f"{source}: a definition is a mapping of fields (id, title, denominator, ...)")
    try:
        indicator = Indicator.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = _clean_loc(tuple(err["loc"]))
            line = _line_of(node, loc)
            path = ".".join(str(p) for p in loc) or "(top level)"
            where = f"line {line}, " if line else ""
            problems.append(f"{source}: {where}{path}: {err['msg']}")
        raise IndicatorError("\n".join(problems)) from None
    _check_codelists(indicator, source)
    return indicator


def _check_codelists(indicator: Indicator, source: str) -> None:
    from gpqi.codelists import available

    known = set(available())
    unknown = [slug for slug in indicator.codelist_slugs() if slug not in known]
    if unknown:
        raise IndicatorError(f"{source}: unknown codelist(s) {', '.join(unknown)}; see `gpqi codelists list`")


def load_file(path: Path | str) -> Indicator:
    """Read and validate one definition file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise IndicatorError(f"{path}: cannot read: {exc.strerror}") from None
    return parse(text, source=str(path))


def _library_dir() -> Path:
    return Path(str(resources.files("gpqi.indicators") / "library"))


@cache
def _library() -> tuple[Indicator, ...]:
    found: list[Indicator] = []
    seen: dict[str, Path] = {}
    for path in sorted(_library_dir().glob("*.yaml")):
        indicator = load_file(path)
        if indicator.id != path.stem:
            raise IndicatorError(f"{path}: id {indicator.id!r} does not match the file name")
        if indicator.id in seen:
            raise IndicatorError(f"{path}: id {indicator.id!r} already defined in {seen[indicator.id]}")
        seen[indicator.id] = path
        found.append(indicator)
    return tuple(found)


def load_library() -> list[Indicator]:
    """The built-in indicators, ordered by id."""
    return list(_library())


def get(indicator_id: str) -> Indicator:
    """One built-in indicator by id; IndicatorError if unknown."""
    for indicator in _library():
        if indicator.id == indicator_id:
            return indicator
    raise IndicatorError(f"unknown indicator {indicator_id!r}; see `gpqi indicators list`")
