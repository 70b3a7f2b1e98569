"""docs/indicators.md is generated from the library and must be current."""

from __future__ import annotations

from pathlib import Path

from gpqi.indicators import load_library
from gpqi.indicators.docs import render

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_indicators_page_is_current():
    assert (DOCS / "indicators.md").read_text(encoding="utf-8") == render(), "run `gpqi indicators docs`"


def test_page_lists_every_indicator_with_its_version():
    page = render()
    for ind in load_library():
        assert f"`{ind.id}` · version `{ind.version}`" in page
