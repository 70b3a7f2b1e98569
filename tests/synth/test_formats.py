"""How a demo federation's practices are given their clinical systems' formats."""

from __future__ import annotations

from gpqi.synth.formats import few_of_each, mixed


def test_few_of_each_gives_each_dialect_to_the_smallest_practices():
    sizes = {"A": 9000, "B": 800, "C": 12000, "D": 2000, "E": 4000, "F": 75000, "G": 2000}
    formats = few_of_each(sizes)
    # smallest first (ties by code): B fhir, D emis, G systmone; everyone else stays CDM
    assert formats == {
        "A": "cdm",
        "B": "fhir",
        "C": "cdm",
        "D": "emis",
        "E": "cdm",
        "F": "cdm",
        "G": "systmone",
    }
    two = few_of_each(sizes, each=2)
    assert [two[c] for c in ("B", "D", "G", "E", "A", "C")] == ["fhir", "emis", "systmone"] * 2
    assert two["F"] == "cdm"


def test_mixed_gives_formats_in_turn():
    assert mixed(["P2", "P1", "P3", "P4", "P5"]) == {
        "P1": "cdm", "P2": "fhir", "P3": "emis", "P4": "systmone", "P5": "cdm",
    }  # fmt: skip
