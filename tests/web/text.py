"""Whole-label matching for access tests: pseudonyms are "Practice A" … "Practice ZZ", so a plain
substring test would find a forbidden "Practice A" inside a permitted "Practice AB"."""

from __future__ import annotations

import re


def mentions(text: str, label: str) -> bool:
    """Whether `label` appears in `text` as a whole label (not inside a longer word)."""
    return re.search(rf"(?<!\w){re.escape(label)}(?!\w)", text) is not None
