"""Reading indicator YAML: validation errors that name the file, the field path and the line.

`load_file` reads one definition; `load_library` the built-in library (one file per indicator
in `library/` beside this module). Codelist slugs are checked against the bundled codelists.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from importlib import resources
from pathlib import Path

from gpqi.codelists import available
from gpqi.indicators.checking import MAX_BYTES, Problem, check_bytes, check_text
from gpqi.indicators.model import Indicator


class IndicatorError(ValueError):
    """A definition is malformed or unknown; the message names the file, field and line.

    `problems` holds each problem found (gpqi.indicators.checking.Problem) when there are several."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def parse(text: str, source: str = "<string>", codelists: Collection[str] | None = None) -> Indicator:
    """Validate a definition given as YAML text; IndicatorError names every bad field and line.

    `codelists` are the slugs it may use (default: the bundled codelists)."""
    known = available() if codelists is None else codelists
    indicator, problems = check_text(text, source, known)
    if indicator is None:
        raise IndicatorError("\n".join(str(p) for p in problems), problems)
    return indicator


def load_file(path: Path | str, codelists: Collection[str] | None = None) -> Indicator:
    """Read and validate one definition file (see `parse`); the size is checked before reading."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise IndicatorError(
                f"{path}: {size} bytes is larger than {MAX_BYTES // 1024} KB: not a definition"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise IndicatorError(f"{path}: cannot read: {exc.strerror}") from None
    indicator, problems = check_bytes(data, str(path), available() if codelists is None else codelists)
    if indicator is None:
        raise IndicatorError("\n".join(str(p) for p in problems), problems)
    return indicator


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
