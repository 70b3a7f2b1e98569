"""The disclosure gate: every number shown outside the practice that owns it passes here.

One rule for every page, download, report, email and API answer (docs/governance.md):

- **A practice's counts** shown to anyone who is not that practice's own: each count at or
  below the threshold is redacted, every other rounded (`gpqi.stats.disclose`, thresholds from
  the workspace's `[disclosure]` section); rates are recomputed from the rounded counts, and a
  redacted numerator redacts the rate.
- **A total over several practices** (a network, the programme, a campaign's week) shown to a
  user: the user's own practices' part is known to them anyway, so it is added raw, and the
  part of the other practices is disclosed on its own: `own + disclose(others)`. Subtracting
  what the user knows of their own practices therefore leaves a disclosed figure, never a
  small count; where the others' part is redacted, so is the total. A total of the user's own
  practices only is shown raw.
- **List sizes** of practices that are not the user's own are rounded to `list_size_round_to`
  (100 by default): an exact list size would link a pseudonym back to a practice.
- **Peer statistics** (median, quartiles, deciles, spread) shown to anyone but the central team
  are computed from the disclosed figures, with redacted practices left out (see
  `gpqi.access.figures.peer_summaries`), so each one is a disclosed rate or lies between two.

Categorical verdicts (funnel flags, SPC variation and assurance, ranks, behind/on track, an
incentive earned) are not numbers derived from counts: they are computed once from the raw
counts in `gpqi.access.figures` and `gpqi.access.campaigns` and are the same for every viewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gpqi.stats import disclose
from gpqi.workspace import Workspace


@dataclass(frozen=True)
class Policy:
    redact_at_or_below: int = 7
    round_to: int = 5
    list_size_round_to: int = 100

    @classmethod
    def of(cls, ws: Workspace) -> Policy:
        cfg = ws.config.disclosure
        return cls(cfg.redact_at_or_below, cfg.round_to, cfg.list_size_round_to)


def counts(policy: Policy, values: Any) -> np.ndarray:
    """Counts of practices that are not the viewer's own, as floats: NaN where redacted (any
    shape: a practices x weeks grid is disclosed cell by cell)."""
    arr = np.asarray(values, dtype="float64")
    if arr.size == 0:
        return arr.copy()
    flat = disclose(arr.reshape(-1), redact_at_or_below=policy.redact_at_or_below, round_to=policy.round_to)
    return np.asarray(flat, dtype="float64").reshape(arr.shape)


def pairs(policy: Policy, numerators: Any, denominators: Any) -> tuple[np.ndarray, np.ndarray]:
    """Numerators and denominators of practices that are not the viewer's own, disclosed."""
    return counts(policy, numerators), counts(policy, denominators)


def totals(policy: Policy, own: Any, others: Any, has_others: Any) -> np.ndarray:
    """Totals over groups of practices as one viewer may see them: `own` is the raw sum of the
    viewer's own members of each group, `others` the raw sum of the rest, `has_others` whether
    any member is not the viewer's own. A group with others shows own + disclose(others), NaN
    when the others' part is redacted; a group of the viewer's own practices only, its raw sum."""
    own = np.asarray(own, dtype="float64")
    others = np.asarray(others, dtype="float64")
    has = np.asarray(has_others, dtype=bool)
    shown = own + counts(policy, np.where(has, others, 0.0))
    return np.where(has, shown, own + others)


def rate(numerator: Any, denominator: Any) -> np.ndarray:
    """numerator / denominator of shown counts: NaN where either is redacted or den is 0."""
    num = np.asarray(numerator, dtype="float64")
    den = np.asarray(denominator, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((den > 0) & ~np.isnan(num) & ~np.isnan(den), num / den, np.nan)


def list_size(policy: Policy, size: int | None, own: bool) -> int | None:
    """A practice's list size as a viewer may see it: exact for its own users, else rounded to
    `list_size_round_to` (None where that would be 0, or unknown)."""
    if size is None:
        return None
    if own:
        return int(size)
    step = policy.list_size_round_to
    rounded = int(np.floor(size / step + 0.5) * step)
    return rounded or None
