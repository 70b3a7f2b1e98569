"""Synthetic practices and patients calibrated to published national figures.

`generate(out_dir, SynthConfig(...)) -> manifest` writes a multi-practice extract in the layout
the ingest reads; `gpqi synth` is the command-line front end. See docs/synthetic-data.md.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gpqi.synth.config import SynthConfig

__all__ = ["SynthConfig", "generate"]


def generate(
    out_dir: Path | str,
    config: SynthConfig | None = None,
    *,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Write a synthetic extract to out_dir and return its manifest (see gpqi.synth.generate)."""
    from gpqi.synth.generate import generate as _generate  # NumPy/Arrow only when used

    return _generate(out_dir, config, overwrite=overwrite, progress=progress)
