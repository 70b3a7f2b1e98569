"""Copy the front-end packages from node_modules into gpqi/web/static/vendor (run by
`gpqi assets`, which `make install` calls after `npm ci`).

The vendor folder is built, not committed. nhsuk-frontend's CSS is adjusted on the way: its
image URLs are made relative to the CSS file, and its @font-face rules (which load Frutiger from
a remote host) are dropped, so the dashboard makes no request beyond its own server; the
design system's fallback font stack (Arial) is used.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"


class AssetsError(RuntimeError):
    pass


@dataclass(frozen=True)
class Copy:
    source: str  # relative to node_modules
    target: str  # relative to the vendor folder


COPIES = (
    Copy("nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css", "nhsuk/nhsuk-frontend.min.css"),
    Copy("nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.js", "nhsuk/nhsuk-frontend.min.js"),
    Copy("nhsuk-frontend/dist/nhsuk/assets", "nhsuk/assets"),
    Copy("vega/build/vega.min.js", "vega/vega.min.js"),
    Copy("vega-lite/build/vega-lite.min.js", "vega/vega-lite.min.js"),
    Copy("vega-embed/build/vega-embed.min.js", "vega/vega-embed.min.js"),
    Copy("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    Copy("axe-core/axe.min.js", "axe/axe.min.js"),
)

_FONT_FACE = re.compile(r"@font-face\{[^}]*\}")


def _adjust_css(text: str) -> str:
    text = _FONT_FACE.sub("", text)
    return text.replace("url(/assets/", "url(assets/")


def build(node_modules: Path | None = None, vendor_dir: Path = VENDOR_DIR) -> list[Path]:
    """Copy every asset; returns the files written. Fails naming the first missing package."""
    node_modules = node_modules or REPO_ROOT / "node_modules"
    written: list[Path] = []
    for item in COPIES:
        src = node_modules / item.source
        if not src.exists():
            raise AssetsError(f"{src}: missing; run `npm ci` in {node_modules.parent} first")
        dst = vendor_dir / item.target
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
            written.extend(p for p in dst.rglob("*") if p.is_file())
        elif dst.suffix == ".css":
            dst.write_text(_adjust_css(src.read_text(encoding="utf-8")), encoding="utf-8")
            written.append(dst)
        else:
            shutil.copyfile(src, dst)
            written.append(dst)
    return written


def present(vendor_dir: Path = VENDOR_DIR) -> bool:
    return all((vendor_dir / item.target).exists() for item in COPIES)
