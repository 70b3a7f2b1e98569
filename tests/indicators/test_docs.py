"""docs/indicators.md is generated from the library and must be current."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from gpqi.indicators import load_library
from gpqi.indicators.docs import QofStep, qof_rules, render

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_indicators_page_is_current():
    assert (DOCS / "indicators.md").read_text(encoding="utf-8") == render(), "run `gpqi indicators docs`"


def test_page_lists_every_indicator_with_its_version():
    page = render()
    for ind in load_library():
        assert f"`{ind.id}` · version `{ind.version}`" in page


def test_qof_rules_table_covers_every_qof_indicator():
    listed = [ident for entry in qof_rules() for ident in entry.indicators]
    library = {ind.id: ind for ind in load_library()}
    assert len(listed) == len(set(listed))
    assert set(listed) <= set(library), set(listed) - set(library)
    qof = {ind.id for ind in library.values() if "qof" in ind.tags}
    assert qof <= set(listed), qof - set(listed)


def test_a_qof_step_that_differs_must_say_why():
    with pytest.raises(ValidationError, match="says why"):
        QofStep(rule="Reject: frailty", gpqi="Not applied", status="differs")
