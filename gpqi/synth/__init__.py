"""Synthetic practices and patients calibrated to published national figures.

`generate(out_dir, SynthConfig(...)) -> manifest` writes a multi-practice extract in the layout
the ingest reads; `gpqi synth` is the command-line front end. See docs/synthetic-data.md.
"""

from __future__ import annotations

from gpqi.synth.config import SynthConfig

__all__ = ["SynthConfig", "generate"]


def generate(out_dir, config: SynthConfig | None = None, **kwargs):
    """Write a synthetic extract to out_dir; returns the manifest (see gpqi.synth.generate)."""
    from gpqi.synth.generate import generate as _generate

    return _generate(out_dir, config, **kwargs)
