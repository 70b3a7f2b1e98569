"""docs/indicator-language.md's worked examples are the spec cases, and must be current."""

from __future__ import annotations

from tests.spec.render_docs import DOC, updated


def test_worked_examples_are_current():
    page = DOC.read_text(encoding="utf-8")
    assert page == updated(page), "run `.venv/bin/python -m tests.spec.render_docs`"
