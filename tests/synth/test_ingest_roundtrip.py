"""The synth's extract goes through the real ingest with nothing quarantined."""

from __future__ import annotations

from gpqi.ingest import ingest
from gpqi.synth import generate
from tests.synth.test_output import SMALL


def test_extract_ingests_cleanly(tmp_path):
    manifest = generate(tmp_path / "extract", SMALL)
    outcome = ingest(tmp_path / "extract", tmp_path / "ws", as_of=SMALL.end)
    assert outcome.status == "published"
    tables = outcome.report["tables"]
    for table, counts in tables.items():
        assert counts["quarantined"] == 0, (table, counts["rules"])
    for table, n in manifest["row_counts"].items():
        assert tables[table]["loaded"] == n
    assert outcome.report["patients"]["published"] == manifest["people"]
