"""Codelists: load the bundled OpenCodelists-format CSVs by slug, codes always as strings.

`load("diabetes")` returns a `Codelist` with the codes (strings, never numbers: SNOMED CT and
dm+d identifiers are up to 18 digits and lose digits through float64) and their terms.
The bundled lists and their provenance are in `registry.yaml` beside this file.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

import yaml

from gpqi.codelists.errors import CodelistError

__all__ = ["Codelist", "CodelistError", "available", "load", "load_file", "registry"]


@dataclass(frozen=True)
class Codelist:
    slug: str
    title: str
    system: str
    codes: tuple[str, ...]
    terms: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    source: str = ""
    file: str = ""

    def __contains__(self, code: object) -> bool:
        return code in self._code_set

    def __len__(self) -> int:
        return len(self.codes)

    @cached_property
    def _code_set(self) -> frozenset[str]:
        return frozenset(self.codes)

    @property
    def digest(self) -> str:
        """A stable hash of the codes, used in indicator version hashes."""
        return hashlib.sha256("\n".join(sorted(self.codes)).encode()).hexdigest()[:16]


def _data_dir() -> Path:
    return Path(str(resources.files("gpqi.codelists") / "data"))


@cache
def registry() -> dict[str, dict]:
    """The bundled codelists: slug -> {file, system, title, codes, source, ...}."""
    text = (resources.files("gpqi.codelists") / "registry.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def available() -> list[str]:
    return sorted(registry())


def load_file(path: Path, slug: str | None = None, title: str = "", system: str = "") -> Codelist:
    """Read an OpenCodelists-format CSV (a `code` column, optional `term`) with codes as strings."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "code" not in reader.fieldnames:
                raise CodelistError(f"{path}: no 'code' column (columns: {reader.fieldnames})")
            codes: list[str] = []
            terms: dict[str, str] = {}
            for row_number, row in enumerate(reader, start=2):
                code = (row.get("code") or "").strip()
                if not code.isdigit():
                    raise CodelistError(
                        f"{path}: row {row_number}, field 'code': {code!r} is not a numeric code"
                    )
                if code not in terms:
                    codes.append(code)
                terms[code] = (row.get("term") or "").strip()
    except OSError as exc:
        raise CodelistError(f"{path}: cannot read codelist: {exc.strerror}") from exc
    return Codelist(
        slug=slug or path.stem,
        title=title or path.stem,
        system=system,
        codes=tuple(codes),
        terms=terms,
        file=path.name,
    )


@cache
def load(slug: str) -> Codelist:
    """The bundled codelist called `slug`, e.g. load("diabetes")."""
    entry = registry().get(slug)
    if entry is None:
        raise CodelistError(f"unknown codelist {slug!r}; known: {', '.join(available())}")
    found = load_file(_data_dir() / entry["file"], slug=slug, title=entry["title"], system=entry["system"])
    return Codelist(
        slug=slug,
        title=found.title,
        system=found.system,
        codes=found.codes,
        terms=found.terms,
        source=entry.get("source", ""),
        file=entry["file"],
    )
