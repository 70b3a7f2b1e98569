import json
from pathlib import Path

from gpqi.charts import render_docs

FIXTURE = Path(__file__).parents[1] / "stats" / "data" / "nhsrplotthedots_snapshots.json"


def test_docs_spc_example_is_the_published_ae_series():
    published = json.loads(FIXTURE.read_text())["ae_all_performance_fixed_12"]["y"]
    assert published == render_docs.AE_PERFORMANCE


def test_build_writes_every_picture(tmp_path):
    notes = render_docs.build(tmp_path)
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == [
        "caterpillar.png",
        "distribution.png",
        "funnel-spiegelhalter.png",
        "funnel-wilson.png",
        "spc.png",
        "trend.png",
    ]
    assert all((tmp_path / n).read_bytes()[:4] == b"\x89PNG" for n in names)
    assert any(line.startswith("funnel spiegelhalter") for line in notes)
