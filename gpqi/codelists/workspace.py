"""A workspace's own codelists: OpenCodelists CSVs in `WS/codelists/`, each with its provenance.

    WS/codelists/<slug>.csv     the downloaded file, byte for byte
    WS/codelists/<slug>.yaml    provenance: title, system, source, version or download date,
                                who added it and when, the original file name, its SHA-256

`add` validates everything before it writes anything (strict reading in `csvformat`), refuses a
slug that is already bundled or already in the workspace, and writes the CSV and then the YAML
each by rename, so a refused or interrupted add leaves the workspace as it was: a codelist
exists only once its YAML does. `CodelistLibrary` answers `load(slug)` from the bundled lists
and the workspace's together; indicator versions and the compiler read codes through it.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gpqi.codelists import Codelist, available, load
from gpqi.codelists.csvformat import ParsedCodes, parse_codes, read_codes
from gpqi.codelists.errors import CodelistError

__all__ = ["SYSTEMS", "AddResult", "CodelistLibrary", "Provenance", "add", "codelists_dir", "library"]

SYSTEMS = ("snomedct", "dmd")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
MAX_BYTES = 20 * 1024 * 1024  # the largest bundled list is 0.2 MB; a bigger file is not a codelist
_OPENCODELISTS_PATH = re.compile(r"opencodelists\.org/codelist/([^?#]+)")


@dataclass(frozen=True)
class Provenance:
    slug: str
    title: str
    system: str
    source: str
    version: str
    downloaded: str
    added_by: str
    added_at: str
    original_file: str
    codes: int
    sha256: str

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class AddResult:
    codelist: Codelist
    provenance: Provenance
    warnings: list[str] = field(default_factory=list)


def codelists_dir(root: Path) -> Path:
    return Path(root) / "codelists"


def _version_from(source: str) -> str:
    # .../codelist/<organisation>/<name>/<version>/ or .../codelist/user/<who>/<name>/<version>/
    match = _OPENCODELISTS_PATH.search(source)
    if not match:
        return ""
    parts = [p for p in match.group(1).split("/") if p]
    wanted = 4 if parts and parts[0] == "user" else 3
    return parts[wanted - 1] if len(parts) >= wanted else ""


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def add(
    root: Path,
    file: Path | None = None,
    *,
    slug: str,
    system: str,
    source: str = "",
    title: str = "",
    version: str = "",
    downloaded: str = "",
    added_by: str | None = None,
    data: bytes | None = None,
    filename: str | None = None,
    now: dt.datetime | None = None,
) -> AddResult:
    """Copy an OpenCodelists CSV (a path, or `data` bytes named `filename`) into the workspace.

    CodelistError, with nothing written, for a bad slug or system, a slug already in use, a
    missing code column or any mangled code (the message names the file, row and field)."""
    name = filename or (Path(file).name if file is not None else "upload.csv")
    if not SLUG.match(slug or ""):
        raise CodelistError(
            f"--slug {slug!r}: use lower-case letters, digits and hyphens (at most 60), e.g. pulse-check"
        )
    if system not in SYSTEMS:
        raise CodelistError(f"--system {system!r}: unknown code system; use one of {', '.join(SYSTEMS)}")
    folder = codelists_dir(root)
    if slug in available():
        raise CodelistError(f"--slug {slug!r}: already a bundled codelist; choose another slug")
    if (folder / f"{slug}.yaml").exists():
        raise CodelistError(f"--slug {slug!r}: already in this workspace ({folder / (slug + '.yaml')})")
    if data is None:
        if file is None:
            raise CodelistError("no codelist file given")
        path = Path(file)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise CodelistError(f"{path}: cannot read: {exc.strerror}") from None
        if size > MAX_BYTES:
            raise CodelistError(f"{path}: {size} bytes is larger than a codelist can be ({MAX_BYTES} bytes)")
        data = path.read_bytes()
        parsed = read_codes(path)
    else:
        if len(data) > MAX_BYTES:
            raise CodelistError(f"{name}: {len(data)} bytes is larger than a codelist can be ({MAX_BYTES})")
        parsed = parse_codes(data, name)
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    provenance = Provenance(
        slug=slug,
        title=title or Path(name).stem.replace("_", " ").replace("-", " "),
        system=system,
        source=source,
        version=version or _version_from(source),
        downloaded=downloaded or stamp.date().isoformat(),
        added_by=added_by or getpass.getuser(),
        added_at=stamp.isoformat(timespec="seconds"),
        original_file=name,
        codes=len(parsed.codes),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomically(folder / f"{slug}.csv", data)
    _write_atomically(
        folder / f"{slug}.yaml",
        yaml.safe_dump(provenance.as_dict(), sort_keys=False, allow_unicode=True).encode("utf-8"),
    )
    return AddResult(_codelist(provenance, parsed, folder), provenance, parsed.warnings)


def _codelist(provenance: Provenance, parsed: ParsedCodes, folder: Path) -> Codelist:
    return Codelist(
        slug=provenance.slug,
        title=provenance.title,
        system=provenance.system,
        codes=tuple(parsed.codes),
        terms=parsed.terms,
        source=provenance.source or provenance.original_file,
        file=str(folder / f"{provenance.slug}.csv"),
    )


def _read_provenance(path: Path) -> Provenance:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        values = {name: str(data.get(name, "")) for name in Provenance.__dataclass_fields__}
        return Provenance(**{**values, "codes": int(data.get("codes", 0))})  # type: ignore[arg-type]
    except (OSError, yaml.YAMLError, AttributeError, TypeError, ValueError) as exc:
        raise CodelistError(f"{path}: unreadable codelist provenance: {exc}") from None


@dataclass
class CodelistLibrary:
    """The bundled codelists and one workspace's own, looked up by slug."""

    root: Path | None = None
    _cache: dict[str, Codelist] = field(default_factory=dict, repr=False)

    def workspace_entries(self) -> dict[str, Provenance]:
        if self.root is None:
            return {}
        folder = codelists_dir(self.root)
        entries = {}
        for path in sorted(folder.glob("*.yaml")):
            entry = _read_provenance(path)
            entries[entry.slug] = entry
        return entries

    def available(self) -> list[str]:
        return sorted({*available(), *self.workspace_entries()})

    def origin(self, slug: str) -> str:
        """'bundled' or 'workspace'."""
        return "bundled" if slug in available() else "workspace"

    def load(self, slug: str) -> Codelist:
        if slug in available():
            return load(slug)
        if slug not in self._cache:
            entries = self.workspace_entries()
            if slug not in entries:
                raise CodelistError(
                    f"unknown codelist {slug!r}; known: {', '.join(self.available())} "
                    "(add one with `gpqi codelists add`)"
                )
            folder = codelists_dir(self.root)  # type: ignore[arg-type]
            parsed = read_codes(folder / f"{slug}.csv")
            self._cache[slug] = _codelist(entries[slug], parsed, folder)
        return self._cache[slug]

    def provenance(self, slug: str) -> Provenance | None:
        return self.workspace_entries().get(slug)


def library(root: Path | None = None) -> CodelistLibrary:
    return CodelistLibrary(Path(root) if root is not None else None)
