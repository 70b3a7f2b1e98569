import csv
import hashlib
from pathlib import Path

import pytest

from gpqi import codelists
from gpqi.codelists import CodelistError, load, load_file

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "codelists"


def test_load_by_slug_gives_string_codes_with_terms():
    diabetes = load("diabetes")
    assert len(diabetes) == 86
    assert all(isinstance(c, str) and c.isdigit() for c in diabetes.codes)
    assert "111552007" in diabetes
    assert diabetes.terms["111552007"] == "Diabetes mellitus without complication"
    assert diabetes.system == "snomedct"
    assert "opensafely" in diabetes.source or "nhsd" in diabetes.source


def test_long_dmd_codes_keep_every_digit():
    # 17-digit dm+d ids are where float64 silently rounds; the last digit must survive.
    statins = load("statins")
    assert "34953211000001105" in statins
    assert all(len(c) <= 18 for c in statins.codes)
    assert max(len(c) for c in statins.codes) >= 17


def test_every_registry_entry_loads_and_matches_its_recorded_size():
    for slug, entry in codelists.registry().items():
        cl = load(slug)
        assert len(cl) == entry["codes"], slug
        assert cl.codes, slug


@pytest.mark.skipif(not SHARED.exists(), reason="shared reference data not beside the checkout")
def test_bundled_files_are_unchanged_copies_of_the_shared_codelists():
    compared = 0
    for slug, entry in codelists.registry().items():
        bundled = (Path(codelists.__file__).parent / "data" / entry["file"]).read_bytes()
        reference = SHARED / entry["file"]
        if not reference.exists():
            if "_DERIVED" in entry["file"]:
                # Lists we built ourselves are not copies of anything; they must say so.
                assert str(entry.get("notes", "")).startswith("DERIVED"), slug
            else:
                _assert_is_the_published_file(slug, entry, bundled)
            continue
        assert bundled == reference.read_bytes(), slug
        compared += 1
    assert compared >= 30


def _assert_is_the_published_file(slug: str, entry: dict, bundled: bytes) -> None:
    """A copy added after the reference set was made: its checksum must be the one recorded
    with its provenance. `opencodelists_sha` is the sha a project's codelists.json records for
    the download (SHA-1 of the file without its final newline); `sha1` is of the whole file."""
    assert "@" in entry.get("source", ""), f"{slug}: source must name repository @ commit"
    if "opencodelists_sha" in entry:
        body = bundled[:-1] if bundled.endswith(b"\n") else bundled
        assert hashlib.sha1(body).hexdigest() == entry["opencodelists_sha"], slug
    else:
        assert hashlib.sha1(bundled).hexdigest() == entry["sha1"], slug


def test_unknown_slug_names_the_known_ones():
    with pytest.raises(CodelistError, match="unknown codelist 'diabetis'.*diabetes"):
        load("diabetis")


def test_bad_code_names_file_row_and_field(tmp_path):
    path = tmp_path / "bad.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "term"])
        w.writerow(["123456", "fine"])
        w.writerow(["1.23e+16", "float-mangled"])
    with pytest.raises(CodelistError, match=r"bad.csv: row 3, field 'code': '1.23e\+16'"):
        load_file(path)


def test_missing_code_column(tmp_path):
    path = tmp_path / "nocode.csv"
    path.write_text("id,term\n1,x\n")
    with pytest.raises(CodelistError, match="no 'code' column"):
        load_file(path)


def test_digest_depends_on_codes_not_order(tmp_path):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text("code,term\n123456,x\n234567,y\n")
    b.write_text("code,term\n234567,y\n123456,x\n")
    assert load_file(a).digest == load_file(b).digest
    b.write_text("code,term\n234567,y\n123457,x\n")
    assert load_file(a).digest != load_file(b).digest
