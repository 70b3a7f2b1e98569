"""Which codes the generator records, chosen from the bundled codelists by slug.

A few common codes per list, weighted towards the usual ones (not uniformly over obscure
concepts). Every code is checked against `gpqi.codelists.load(slug)` when first used, so a
codelist change that drops a code fails loudly instead of writing codes no indicator matches.
All codes are strings; they are stored once in `CODES` and events refer to them by index.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from gpqi.codelists import load

# slug -> ((code, relative weight), ...)
CHOICES: dict[str, tuple[tuple[str, float], ...]] = {
    "hypertension": (("59621000", 6), ("38341003", 3), ("1201005", 1)),
    "diabetes-type1": (("46635009", 1),),
    "diabetes-type2": (("44054006", 1),),
    "diabetes": (("73211009", 1),),  # untyped diabetes code (on DM_COD, not on the type lists)
    "asthma": (("195967001", 80), ("707444001", 8), ("233678006", 6), ("233679003", 3), ("31387002", 3)),
    "chd": (("194828000", 35), ("22298006", 25), ("413838009", 20), ("414545008", 15), ("1755008", 5)),
    "atrial-fibrillation": (("49436004", 70), ("282825002", 20), ("426749004", 10)),
    "copd": (("13645005", 85), ("313296004", 5), ("313297008", 6), ("313299006", 4)),
    "stroke": (("230690007", 50), ("422504002", 30), ("432504007", 20)),
    "tia": (("266257000", 1),),
    "heart-failure": (("84114007", 60), ("42343007", 20), ("48447003", 10), ("703272007", 10)),
    "ckd": (("433144002", 40), ("700378005", 30), ("700379002", 20), ("431857002", 8), ("433146000", 2)),
    "hypertension-resolved": (("162659009", 1),),
    "diabetes-resolved": (("315051004", 1),),
    "asthma-resolved": (("162660004", 1),),
    "copd-resolved": (("941201000000103", 1),),
    # paired readings: index i of systolic goes with index i of diastolic
    "systolic-bp": (("163030003", 70), ("72313002", 20), ("407554009", 10)),
    "diastolic-bp": (("163031004", 70), ("271650006", 20), ("407555005", 10)),
    "hba1c": (("999791000000106", 1),),  # IFCC, mmol/mol (the DCCT code is a percentage)
    "bp-declined": (("413123006", 1),),
    "pulse-regular": (("271636001", 1),),
    "pulse-irregular": (("61086009", 1),),
    "smoking-current": (("77176002", 50), ("65568007", 30), ("160603005", 10), ("56578002", 10)),
    "smoking-ex": (("8517006", 70), ("160617001", 15), ("48031000119106", 15)),
    "smoking-never": (("266919005", 70), ("160601007", 30)),
    "asthma-review": (("270442000", 40), ("394700004", 40), ("754061000000100", 20)),
    "copd-review": (("394703002", 50), ("390891009", 30), ("401184000", 20)),
    "medication-review": (("314530002", 50), ("719328007", 20), ("719329004", 15), ("1239511000000100", 15)),
    "cvd-risk-assessment": (("1085871000000105", 50), ("718087004", 50)),
    "palliative-care": (("103735009", 50), ("182964004", 25), ("1095151000000107", 25)),
    "last-menstrual-period": (("161713000", 1),),
    "pregnancy": (("77386006", 60), ("169560008", 40)),
    # vaccinations table
    "flu-vaccination": (("985151000000100", 85), ("955691000000108", 10), ("955651000000100", 5)),
    "flu-vaccination-child": (("884861000000100", 1),),
    "pertussis-vaccination-pregnancy": (
        ("956951000000104", 80),
        ("571571000119105", 10),
        ("42707511000001109", 10),
    ),
    "mmr-vaccine": (("13968211000001108", 55), ("34925111000001104", 45)),
    # medications table (dm+d VMPs)
    "statins": (
        ("320030001", 35),  # atorvastatin 20mg
        ("320031002", 25),  # atorvastatin 40mg
        ("320029006", 10),  # atorvastatin 10mg
        ("320000009", 15),  # simvastatin 40mg
        ("319997009", 5),  # simvastatin 20mg
        ("408036003", 10),  # rosuvastatin 10mg
    ),
    "antidiabetic-drugs": (
        ("325278007", 60),  # metformin 500mg
        ("386047000", 10),  # metformin 500mg m/r
        ("325242002", 15),  # gliclazide 80mg
        ("424345005", 5),  # sitagliptin 100mg
        ("703680009", 5),  # dapagliflozin 10mg
        ("25290511000001101", 5),  # empagliflozin 10mg
    ),
    "asthma-drugs": (
        ("39113611000001102", 40),  # salbutamol 100micrograms/dose inhaler CFC free
        ("35936511000001108", 15),  # salbutamol 100micrograms/dose inhaler
        ("9207411000001106", 5),  # salbutamol 100micrograms/dose dry powder inhaler
        ("35908111000001105", 30),  # beclometasone 100micrograms/dose inhaler CFC free
        ("35908011000001109", 10),  # beclometasone 100micrograms/dose dry powder inhaler
    ),
    "insulin": (
        ("400877001", 40),  # glargine 100u/ml pre-filled
        ("3468711000001104", 30),  # aspart pre-filled
        ("36047311000001108", 30),  # isophane human cartridges
    ),
}

# Choices whose codes live in another codelist than their own name.
_LIST_OF = {
    "pulse-regular": "pulse-rhythm-check",
    "pulse-irregular": "pulse-rhythm-check",
    "flu-vaccination-child": "flu-vaccination",
}

# Tablets per issue for each medication code (the rest: 28 per 28 days).
QUANTITY = {
    "325278007": 56.0,
    "386047000": 56.0,
    "325242002": 56.0,
    "400877001": 5.0,
    "3468711000001104": 5.0,
    "36047311000001108": 5.0,
}


@dataclass(frozen=True)
class Choice:
    slug: str
    index: np.ndarray  # global code indices
    p: np.ndarray

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if len(self.index) == 1:
            return np.full(n, self.index[0], dtype=np.int32)
        return self.index[rng.choice(len(self.index), size=n, p=self.p)].astype(np.int32)

    @property
    def first(self) -> int:
        return int(self.index[0])


@cache
def code_table() -> tuple[list[str], dict[str, Choice]]:
    """All codes (strings, index = code id) and a Choice per slug; validated against the codelists."""
    codes: list[str] = []
    position: dict[str, int] = {}
    choices: dict[str, Choice] = {}
    for slug, options in CHOICES.items():
        codelist = load(_LIST_OF.get(slug, slug))
        idx = []
        for code, _ in options:
            if code not in codelist:
                raise ValueError(f"synth code {code} for {slug!r} is not in codelist {codelist.slug!r}")
            if code not in position:
                position[code] = len(codes)
                codes.append(code)
            idx.append(position[code])
        w = np.array([wt for _, wt in options], dtype=float)
        choices[slug] = Choice(slug, np.array(idx, dtype=np.int32), w / w.sum())
    return codes, choices


def choice(slug: str) -> Choice:
    return code_table()[1][slug]


def all_codes() -> list[str]:
    return code_table()[0]
