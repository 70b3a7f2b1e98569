"""docs/indicators.md, generated from the library definitions (`gpqi indicators docs`), so
the page and the definitions cannot drift apart (a test checks the file is current)."""

from __future__ import annotations

from gpqi.indicators.loader import _library_dir, load_library
from gpqi.indicators.model import DOMAINS

HEADER = """\
# The built-in indicators

Generated from `gpqi/indicators/library/*.yaml` by `gpqi indicators docs`; do not edit by hand.
The language the definitions are written in is described in
[indicator-language.md](indicator-language.md). The *version* is a hash of the definition's
logic and the codes in its codelists: every result row records it.

Wording is paraphrased from the published indicator each one follows; the reference names it.
Targets are given only where a published or commonly used one was found, with its source.
"""


def _logic(indicator_id: str) -> str:
    text = (_library_dir() / f"{indicator_id}.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    keep, inside = [], False
    for line in lines:
        if line.startswith(("denominator:", "numerator:", "period:", "unit:")):
            inside = True
        elif line and not line.startswith(" ") and not line.startswith("-"):
            inside = False
        if inside:
            keep.append(line)
    return "\n".join(keep)


def render() -> str:
    library = load_library()
    out = [
        HEADER,
        f"{len(library)} indicators.\n",
        "| id | title | domain | unit | target |",
        "|---|---|---|---|---|",
    ]
    ordered = sorted(library, key=lambda i: (DOMAINS.index(i.domain), i.id))
    for ind in ordered:
        target = f"{ind.target.value:.0%}" if ind.target else "–"
        out.append(f"| [{ind.id}](#{ind.id}) | {ind.title} | {ind.domain} | {ind.unit} | {target} |")
    current = None
    for ind in ordered:
        if ind.domain != current:
            current = ind.domain
            out.append(f"\n## {current.capitalize()}\n")
        out.append(f'<a id="{ind.id}"></a>\n### {ind.title}\n')
        out.append(f"`{ind.id}` · version `{ind.version}` · {ind.kind} · unit: {ind.unit} · "
                   f"{'higher' if ind.higher_is_better else 'lower'} is better\n")  # fmt: skip
        out.append(f"{ind.description}\n")
        out.append(f"- **Reference:** {ind.reference}")
        if ind.target:
            out.append(f"- **Target:** {ind.target.value:.0%} — {ind.target.source}")
        else:
            out.append("- **Target:** none set")
        if ind.notes:
            out.append(f"- **Notes:** {ind.notes}")
        codelists = ", ".join(f"`{slug}`" for slug in ind.codelist_slugs()) or "–"
        out.append(f"- **Codelists:** {codelists}")
        out.append(
            f"- **Provenance:** authored by {ind.authored_by}; clinically checked by "
            f"{ind.checked_by or 'not yet'}; reviewed {ind.reviewed or 'not yet'}; "
            f"next review {ind.next_review or '–'}\n"
        )
        out.append("```yaml\n" + _logic(ind.id) + "\n```\n")
    return "\n".join(out).rstrip() + "\n"
