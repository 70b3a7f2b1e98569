"""Print which gpqi package imports which (the graph drawn in docs/architecture.md).

.venv/bin/python scripts/import-graph.py
"""

from __future__ import annotations

import grimp

PACKAGES = [
    "cli",
    "programmes",
    "web",
    "reports",
    "access",
    "charts",
    "engine",
    "indicators",
    "ingest",
    "synth",
    "cdm",
    "codelists",
    "stats",
    "workspace",
]


def main() -> None:
    graph = grimp.build_graph("gpqi")
    for a in PACKAGES:
        targets = []
        for b in PACKAGES:
            if a == b:
                continue
            pairs = graph.find_matching_direct_imports(import_expression=f"gpqi.{a}.** -> gpqi.{b}.**")
            pairs += graph.find_matching_direct_imports(import_expression=f"gpqi.{a} -> gpqi.{b}.**")
            pairs += graph.find_matching_direct_imports(import_expression=f"gpqi.{a}.** -> gpqi.{b}")
            pairs += graph.find_matching_direct_imports(import_expression=f"gpqi.{a} -> gpqi.{b}")
            if pairs:
                targets.append(b)
        print(f"{a:11s} -> {', '.join(targets) or '(nothing in gpqi)'}")


if __name__ == "__main__":
    main()
