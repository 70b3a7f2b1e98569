"""docs/indicators.md, generated from the library definitions (`gpqi indicators docs`), so
the page and the definitions cannot drift apart (a test checks the file is current).

The page ends with the QOF rules table: each QOF-coded indicator's business-rule steps and
how gpqi implements each, read from `qof_rules.yaml` beside this module.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

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


class QofStep(BaseModel):
    """One select or reject step of a QOF indicator's business rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rule: str = Field(min_length=3)
    gpqi: str = Field(min_length=3)
    status: Literal["same", "differs"]
    why: str = ""

    @model_validator(mode="after")
    def _reason_for_difference(self) -> QofStep:
        if self.status == "differs" and not self.why:
            raise ValueError(f"a step that differs says why: {self.rule!r}")
        return self


class QofRules(BaseModel):
    """The business-rule steps of one QOF indicator (or a pair sharing them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    qof: str
    indicators: tuple[str, ...] = Field(min_length=1)
    steps: tuple[QofStep, ...] = Field(min_length=1)


@cache
def qof_rules() -> tuple[QofRules, ...]:
    """The QOF rules table (qof_rules.yaml), validated."""
    text = (resources.files("gpqi.indicators") / "qof_rules.yaml").read_text(encoding="utf-8")
    return tuple(TypeAdapter(list[QofRules]).validate_python(yaml.safe_load(text)))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_qof_rules() -> str:
    out = [
        "\n## QOF business rules, step by step\n",
        "Each QOF-coded indicator's select and reject steps, in QOF's order, and how gpqi "
        "implements each one: **same** where gpqi counts what QOF counts for that step, "
        "**differs** where it knowingly does not, with the reason. Patients who meet the "
        "indicator are selected before any personalised care adjustment is applied; gpqi "
        "writes the adjustments as `exceptions` (and invitation adjustments as "
        "`payment_exceptions`, which keep the patient on the worklist); see "
        "[indicator-language.md](indicator-language.md#exceptions-qofs-rule-order). Sources: "
        "NHS Digital's QOF 2023-24 public metadata (PCA_REFERENCE, INDICATOR_VALUES) and the QOF "
        "rules as transcribed in opensafely/hypertension-sro and opensafely/blood-pressure-sro.\n",
        "| QOF | gpqi | step in QOF's rules | in gpqi | |",
        "|---|---|---|---|---|",
    ]
    for entry in qof_rules():
        ids = ", ".join(f"[{i}](#{i})" for i in entry.indicators)
        for number, step in enumerate(entry.steps, start=1):
            verdict = "same" if step.status == "same" else f"**differs**: {_cell(step.why)}"
            out.append(
                f"| {entry.qof} | {ids} | {number}. {_cell(step.rule)} | {_cell(step.gpqi)} | {verdict} |"
            )
    return "\n".join(out) + "\n"


def _logic(indicator_id: str) -> str:
    text = (_library_dir() / f"{indicator_id}.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    keep, inside = [], False
    for line in lines:
        if line.startswith(
            ("denominator:", "numerator:", "period:", "unit:", "exceptions:", "payment_exceptions:")
        ):
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
    out.append(render_qof_rules())
    return "\n".join(out).rstrip() + "\n"
