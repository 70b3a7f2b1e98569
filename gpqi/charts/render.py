"""Render a chart spec to PNG or SVG on the server (reports, email, downloads) with vl-convert,
the same spec the browser draws with vega-embed."""

from __future__ import annotations

import copy
from typing import Any, Literal

FORMATS = ("png", "svg")
# Specs are Vega-Lite 5 (their $schema); rendered with the last 5.x vl-convert bundles. The web
# page draws them with the Vega-Lite 6 in package.json; tests compile every spec with both.
VEGA_LITE = "5.21"
DEFAULT_WIDTH = 720  # pixels, for specs sized to their container in the browser
DEFAULT_HEIGHT = 380


def _fixed_size(spec: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(spec)
    if out.get("width") == "container":
        out["width"] = DEFAULT_WIDTH
    if out.get("height") == "container":
        out["height"] = DEFAULT_HEIGHT
    return out


def render(spec: dict[str, Any], fmt: Literal["png", "svg"] | str = "png", scale: float = 2.0) -> bytes:
    """PNG (at `scale` x, for sharp print) or SVG bytes of a Vega-Lite spec."""
    import vl_convert as vlc  # heavy: load on first render only

    if fmt not in FORMATS:
        raise ValueError(f"fmt: must be one of {', '.join(FORMATS)}, not {fmt!r}")
    fixed = _fixed_size(spec)
    if fmt == "png":
        return vlc.vegalite_to_png(fixed, vl_version=VEGA_LITE, scale=scale)
    return vlc.vegalite_to_svg(fixed, vl_version=VEGA_LITE).encode("utf-8")
