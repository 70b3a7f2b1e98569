"""The plan of a run: organisations, practices (drawn from real practice profiles) and every
calibrated constant, fixed up front from the master seed so networks can then be generated in
any order (or in parallel) with identical results."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from gpqi.synth import conditions
from gpqi.synth.config import SynthConfig
from gpqi.synth.demography import age_sex_distribution, decile_distribution, mortality, turnover
from gpqi.synth.reference import practice_profiles, real_practices
from gpqi.synth.timeline import to_day

# Share of joiners (not births) who come from another practice in the same network. ASSUMPTION.
INTERNAL_MOVE_SHARE = 0.25
# Clinical-system market shares. ASSUMPTION (roughly England: EMIS, TPP, Vision, other).
EHR_SHARES = {"emis": 0.55, "tpp": 0.35, "vision": 0.08, "other": 0.02}

# Practice-level variation: SD of a practice's effect on each care process (log scale for rates,
# logit scale for proportions). ASSUMPTIONS chosen to give visible but plausible spread.
EFFECT_SD = {
    "bp_rate": 0.25,
    "bp_control": 0.35,
    "hba1c_rate": 0.25,
    "hba1c_control": 0.35,
    "pulse_rate": 0.5,
    "review_rate": 0.3,
    "smoking_rate": 0.3,
    "flu": 0.3,
    "pertussis": 0.45,
    "mmr": 0.4,
    "statin": 0.3,
    "dna": 0.25,
    "appointment_rate": 0.15,
}
DNA_DEPRIVATION_EFFECT = 0.05
LOG_EFFECTS = {"bp_rate", "hba1c_rate", "pulse_rate", "review_rate", "smoking_rate", "appointment_rate"}

_PLACE_A = (
    "Ash", "Bram", "Cal", "Dun", "Elm", "Fen", "Gart", "Hol", "Ivy", "Kel", "Lan", "Mar", "Nor", "Oak",
    "Pen", "Quar", "Rook", "Sal", "Thorn", "Ul", "Ver", "Wex", "Yar", "Brack", "Chil", "Dray", "Ember",
    "Fal", "Glen", "Hart", "Lud", "Mell", "Pry", "Sedge", "Tam", "Wyn", "Orm", "Bly", "Cress", "Dov",
)  # fmt: skip
_PLACE_B = ("ford", "ley", "ton", "bury", "field", "wick", "ham", "worth", "mere", "combe", "stead", "by",
            "dale", "well", "hurst", "thorpe", "gate", "brook")  # fmt: skip
_KINDS = ("Surgery", "Medical Centre", "Health Centre", "Medical Practice", "Family Practice",
          "Group Practice")  # fmt: skip
_FORMS = ("{p} {k}", "{p} Road {k}", "The {p} {k}", "{p} Green {k}", "{p} Park {k}")


@dataclass
class PracticePlan:
    index: int  # global position, fixes ids and random streams
    code: str
    name: str
    network_code: str
    sub_icb_code: str
    profile_row: int
    list_size: int
    imd_score: float
    ehr_system: str
    opened: dt.date
    age_sex: np.ndarray  # pmf [sex, age]
    deciles: np.ndarray  # pmf [decile]
    effects: dict[str, float]
    in_programme: bool
    deaths: int  # people who die in the period
    leavers: int  # people who move away from the programme in the period

    @property
    def capacity(self) -> int:
        return self.list_size + self.deaths + self.leavers


@dataclass
class NetworkPlan:
    index: int
    code: str
    name: str
    sub_icb_code: str
    in_programme: bool
    practices: list[PracticePlan]
    id_offset: int  # patient ids are id_offset + 1 ... id_offset + capacity

    @property
    def capacity(self) -> int:
        return sum(p.capacity for p in self.practices)


@dataclass
class Plan:
    config: SynthConfig
    programme_code: str
    programme_name: str
    icb_code: str
    icb_name: str
    sub_icbs: list[tuple[str, str]]  # (code, name)
    networks: list[NetworkPlan]
    programme_start: dt.date
    conditions: dict[str, conditions.Fit]
    expected_prevalence: dict[str, float]

    @property
    def practices(self) -> list[PracticePlan]:
        return [p for n in self.networks for p in n.practices]

    @property
    def start_day(self) -> int:
        return to_day(self.config.start)

    @property
    def end_day(self) -> int:
        return to_day(self.config.end)


def _network_sizes(n_practices: int, n_networks: int | None) -> list[int]:
    if n_networks is None:
        if n_practices < 4:
            n_networks = 1
        else:
            n_networks = max(math.ceil(n_practices / 6), min(n_practices // 4, round(n_practices / 5)))
    n_networks = max(1, min(n_networks, n_practices))
    base, extra = divmod(n_practices, n_networks)
    return [base + (1 if i < extra else 0) for i in range(n_networks)]


class _Namer:
    """Fictional place-style names, never equal to a real practice name and never repeated."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.real = real_practices()[1]

    def place(self) -> str:
        return str(self.rng.choice(_PLACE_A)) + str(self.rng.choice(_PLACE_B))

    def unique(self, make) -> str:
        for _ in range(10_000):
            name = make()
            if name.lower() not in self.used and name.lower() not in self.real:
                self.used.add(name.lower())
                return name
        raise RuntimeError("ran out of fictional names")

    def practice(self) -> str:
        return self.unique(
            lambda: str(self.rng.choice(_FORMS)).format(p=self.place(), k=str(self.rng.choice(_KINDS)))
        )


def _centre_effects(practices: list[PracticePlan]) -> None:
    """Centre each practice effect (list-size weighted) so the programme-wide average of every care
    process sits on its target whatever the draw: variation between practices, no overall drift."""
    weights = np.array([p.list_size for p in practices], dtype=float)
    weights /= weights.sum()
    for key in EFFECT_SD:
        values = np.array([p.effects[key] for p in practices])
        values = values / float(weights @ values) if key in LOG_EFFECTS else values - float(weights @ values)
        for p, v in zip(practices, values, strict=True):
            p.effects[key] = float(v)


def default_programme_start(config: SynthConfig) -> dt.date:
    target = config.end.year - 4
    start = dt.date(target, 4, 1)
    earliest = config.start + dt.timedelta(days=365)
    if start < earliest:
        start = config.start + (config.end - config.start) / 2
    return min(start, config.end)


def _draw_profiles(rng: np.random.Generator, n: int) -> np.ndarray:
    """One profile row per practice, stratified by IMD score so the mix represents England."""
    total = len(practice_profiles())
    edges = np.linspace(0, total, n + 1).astype(int)
    rows = np.array([rng.integers(lo, max(lo + 1, hi)) for lo, hi in zip(edges[:-1], edges[1:], strict=True)])
    return np.minimum(rows, total - 1)


def build_plan(config: SynthConfig) -> Plan:
    rng = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(0,)))
    prof = practice_profiles()
    namer = _Namer(rng)
    real_codes = real_practices()[0]

    n = config.practices
    rows = _draw_profiles(rng, n)
    # Networks are local: practices in a network have similar deprivation (sort by a noisy IMD).
    noisy = prof.imd_score[rows] + rng.normal(0, 6.0, n)
    rows = rows[np.argsort(noisy, kind="stable")]
    raw = prof.list_size[rows].astype(float)
    list_sizes = np.maximum(50, np.round(raw * config.patients / raw.sum())).astype(int)
    # Make the total exact (largest practice absorbs rounding).
    list_sizes[np.argmax(list_sizes)] += config.patients - list_sizes.sum()
    imd = prof.imd_score[rows]
    age_sex = age_sex_distribution(prof, rows)
    dec = decile_distribution(imd)

    sizes = _network_sizes(n, config.networks)
    n_networks = len(sizes)
    n_sub = config.sub_icbs or max(1, round(n_networks / 4))
    n_sub = min(n_sub, n_networks)
    sub_of_network = np.minimum((np.arange(n_networks) * n_sub) // n_networks, n_sub - 1)

    icb_place = namer.place()
    sub_icbs = [(f"ZS{i + 1:02d}", f"{namer.unique(namer.place)} Sub-ICB Location") for i in range(n_sub)]
    network_codes = [f"ZN{i + 1:03d}" for i in range(n_networks)]
    if config.programme_network_codes is not None:
        unknown = sorted(set(config.programme_network_codes) - set(network_codes))
        if unknown:
            raise ValueError(
                f"programme network codes {unknown} are not networks of this run ({network_codes[0]}...)"
            )
        chosen = set(config.programme_network_codes)
    else:
        k = config.programme_networks
        if k is None:
            k = 0 if n_networks == 1 else max(1, round(n_networks / 4))
        k = min(k, n_networks)
        chosen = {network_codes[i] for i in rng.choice(n_networks, size=k, replace=False)}

    ehr_names = list(EHR_SHARES)
    ehr_p = np.array(list(EHR_SHARES.values()))
    years = (config.end - config.start).days / 365.25
    m = mortality()
    h = turnover()
    networks: list[NetworkPlan] = []
    pos = 0
    offset = 0
    for ni, size in enumerate(sizes):
        code = network_codes[ni]
        sub_code = sub_icbs[sub_of_network[ni]][0]
        practices = []
        for _ in range(size):
            pcode = f"ZZ{pos + 1:04d}"
            if pcode in real_codes:  # cannot happen (English codes are a letter and five digits)
                raise RuntimeError(f"generated a real practice code {pcode}")
            effects = {}
            for key, sd in EFFECT_SD.items():
                v = float(rng.normal(0.0, sd))
                effects[key] = math.exp(v - sd * sd / 2) if key in LOG_EFFECTS else v
            # More deprived practices miss more appointments (London, the most deprived region in
            # the source, has the highest DNA rate). ASSUMPTION: 0.05 on the logit per decile.
            mean_decile = float(np.dot(np.arange(1, 11), dec[pos]))
            effects["dna"] += DNA_DEPRIVATION_EFFECT * (5.5 - mean_decile)
            pi = age_sex[pos]
            internal = INTERNAL_MOVE_SHARE if size > 1 else 0.0
            deaths = round(years * list_sizes[pos] * float((pi * m).sum()))
            leavers = round(years * list_sizes[pos] * float((pi * h[None, :]).sum()) * (1 - internal))
            opened = dt.date(
                int(rng.integers(1950, 2011)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
            )
            practices.append(
                PracticePlan(
                    index=pos,
                    code=pcode,
                    name=namer.practice(),
                    network_code=code,
                    sub_icb_code=sub_code,
                    profile_row=int(rows[pos]),
                    list_size=int(list_sizes[pos]),
                    imd_score=float(imd[pos]),
                    ehr_system=str(rng.choice(ehr_names, p=ehr_p)),
                    opened=opened,
                    age_sex=pi,
                    deciles=dec[pos],
                    effects=effects,
                    in_programme=code in chosen,
                    deaths=int(deaths),
                    leavers=int(leavers),
                )
            )
            pos += 1
        net = NetworkPlan(
            index=ni,
            code=code,
            name=f"{namer.unique(namer.place)} PCN",
            sub_icb_code=sub_code,
            in_programme=code in chosen,
            practices=practices,
            id_offset=offset,
        )
        offset += net.capacity
        networks.append(net)

    _centre_effects([p for n in networks for p in n.practices])
    w = conditions.population_weights(rows, list_sizes, imd)
    fits = conditions.fit(w)
    plan = Plan(
        config=config,
        programme_code="ZP1",
        programme_name=f"{icb_place} Quality Improvement Collaborative",
        icb_code="ZQ1",
        icb_name=f"NHS {icb_place}shire Integrated Care Board",
        sub_icbs=sub_icbs,
        networks=networks,
        programme_start=config.programme_start or default_programme_start(config),
        conditions=fits,
        expected_prevalence=conditions.expected_prevalence(w, fits),
    )
    return plan
