"""A national-scale programme of *results only* (no patients): for load-testing the dashboard.

`write_results_only(root, ResultsOnlyConfig(practices=6459, ...))` writes a workspace that looks
to the web app like one the real pipeline built: a snapshot holding only the `practices` and
`organisations` tables, `results/results.parquet` (RESULTS schema: practice rows plus network,
sub-ICB, ICB and programme roll-ups that sum numerators and denominators), `list_sizes.parquet`
and `run.json`. Nothing patient-level exists in it.

The engine's own pieces do the engine's jobs: month ends come from `gpqi.engine.dates`, the
network, sub-ICB, ICB and programme roll-ups from `gpqi.engine.rollup` (following each
practice's parents in the organisations table, as for a real run) and every file is written
atomically by `gpqi.engine.store`.

Calibration (published national figures):
- number of practices: 6,459 open practices with a list (NHS Payments to General Practice
  2022-23); list sizes log-normal with median 8,304 and mean 9,620 (same source);
- denominators as a share of the list: QOF 2019-20 recorded prevalence by register (HYP 14.08%,
  DM 7.07%, AST 6.48%, CHD 3.09%, COPD 1.94%, STIA 1.80%), 65+ share 17.7% (Apr 2020 median);
- centres of rates where a national figure exists: flu 65+ 77.8%, under-65 at risk 41.4%,
  pregnant 32.1% (UKHSA 2023-24), pertussis in pregnancy 64.4%, DNA 5.01% overall with the lead
  time gradient (same day 1.94% ... >28 days 8.28%) and mode differences (telephone 1.84%,
  face-to-face 5.43%);
- ASSUMPTIONS (no published figure used): other indicators centre on 70%; practice effects
  are normal on the logit scale with SD 0.35; an improvement programme in a fifth of networks
  lifts the logit by up to 1.2 over three years; appointments 0.45 per registered patient per
  month; each practice's list grows or shrinks by up to 1% a year.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from gpqi.cdm import SCHEMAS
from gpqi.engine import store
from gpqi.engine.dates import parse_dates
from gpqi.engine.rollup import practice_levels, roll_up
from gpqi.engine.schema import LIST_SIZES, RESULTS
from gpqi.indicators import load_library
from gpqi.synth.immunisations import FLU_MONTH_SHARE
from gpqi.workspace import Workspace, init_workspace

LIST_MEDIAN, LIST_MEAN = 8304.0, 9620.0  # NHS Payments to General Practice 2022-23
PREVALENCE = {  # QOF 2019-20 recorded prevalence
    "hyp": 0.1408,
    "dm": 0.0707,
    "ast": 0.0648,
    "chd": 0.0309,
    "copd": 0.0194,
    "stia": 0.0180,
}
SHARE_65 = 0.177  # median 65+ share of a practice list, Apr 2020
APPTS_PER_PATIENT_MONTH = 0.45  # assumption
DNA_BY_KEYWORD = {  # derived from NHS Digital's regional appointments CSVs
    "same-day": 0.0194,
    "48h": 0.03,
    "within": 0.03,
    "later": 0.065,
    "28": 0.0828,
    "telephone": 0.0184,
    "face": 0.0543,
    "video": 0.041,
    "online": 0.041,
    "home": 0.0433,
    "gp": 0.0299,
    "nurse": 0.0596,
}
CENTRES = {"flu-65": 0.778, "flu-risk": 0.414, "flu-preg": 0.321, "pertussis": 0.644}

_WORDS_A = (
    "Oak",
    "Elm",
    "Beech",
    "Willow",
    "Ash",
    "Hazel",
    "Rowan",
    "Cedar",
    "Maple",
    "Birch",
    "Holly",
    "Alder",
    "Linden",
    "Juniper",
    "Poplar",
    "Larch",
    "Yew",
    "Aspen",
    "Thorn",
    "Laurel",
)
_WORDS_B = (
    "Lane",
    "Park",
    "Road",
    "Green",
    "Hill",
    "Vale",
    "Court",
    "Street",
    "Rise",
    "Way",
    "Bank",
    "Gate",
    "Fields",
    "Bridge",
    "Row",
    "Mead",
    "Cross",
    "End",
    "Grove",
    "Side",
)
_WORDS_C = ("Surgery", "Medical Centre", "Health Centre", "Family Practice", "Group Practice")


@dataclass(frozen=True)
class IndicatorSpec:
    id: str
    version: str
    higher_is_better: bool
    unit: str
    domain: str


@dataclass(frozen=True)
class ResultsOnlyConfig:
    practices: int = 6459
    start: dt.date = dt.date(2016, 4, 30)
    end: dt.date = dt.date(2026, 3, 31)
    seed: int = 1
    network_size: tuple[int, int] = (4, 6)
    networks_per_sub_icb: int = 25
    programme_share: float = 0.2  # share of networks in the improvement programme
    programme_start: dt.date = dt.date(2019, 4, 30)
    indicators: tuple[IndicatorSpec, ...] | None = None  # default: the built-in library
    name: str = "National-scale results (synthetic)"
    extra: dict[str, str] = field(default_factory=dict)


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """The month ends from `start` to `end` inclusive (`gpqi.engine.dates`)."""
    return [d for d in parse_dates(f"monthly:{start:%Y-%m}..{end:%Y-%m}") if start <= d <= end]


def library_specs() -> tuple[IndicatorSpec, ...]:
    return tuple(
        IndicatorSpec(i.id, getattr(i, "version", "results-only"), i.higher_is_better, i.unit, i.domain)
        for i in load_library()
    )


def _centre(spec: IndicatorSpec) -> float:
    for key, value in CENTRES.items():
        if spec.id.startswith(key):
            return value
    if spec.unit == "appointment":
        for key, value in DNA_BY_KEYWORD.items():
            if key in spec.id:
                return value
        return 0.0501
    return 0.70


def _share_of_list(spec: IndicatorSpec) -> float:
    if spec.unit == "appointment":
        return APPTS_PER_PATIENT_MONTH * (0.3 if spec.id != "dna-all" and "dna" in spec.id else 1.0)
    for key, value in PREVALENCE.items():
        if spec.id.startswith(key):
            return value
    if "65" in spec.id:
        return SHARE_65
    if spec.domain in ("pregnancy", "immunisation") and ("preg" in spec.id or "pertussis" in spec.id):
        return 0.004
    if spec.domain == "immunisation":
        return 0.012
    return 0.10


def _organisations(
    cfg: ResultsOnlyConfig, rng: np.random.Generator
) -> tuple[pa.Table, pa.Table, list[list[int]]]:
    n = cfg.practices
    sizes: list[int] = []
    while sum(sizes) < n:
        sizes.append(int(rng.integers(cfg.network_size[0], cfg.network_size[1] + 1)))
    sizes[-1] -= sum(sizes) - n
    if sizes[-1] <= 0:
        sizes.pop()
        sizes[-1] += n - sum(sizes)
    networks: list[list[int]] = []
    i = 0
    for s in sizes:
        networks.append(list(range(i, i + s)))
        i += s
    n_sub = max(1, -(-len(networks) // cfg.networks_per_sub_icb))
    org_rows = [("PROG", cfg.name, "programme", None), ("ICB01", "Synthetic ICB", "icb", "PROG")]
    for s in range(n_sub):
        org_rows.append((f"SUB{s + 1:03d}", f"Sub-ICB location {s + 1}", "sub_icb", "ICB01"))
    prac_rows = []
    imd = rng.normal(23.5, 11.0, n).clip(3.4, 68.7)  # IMD2019 practice scores: mean 23.5, range 3.4-68.7
    used_names: set[str] = set()
    for k, members in enumerate(networks):
        net = f"NET{k + 1:04d}"
        sub = f"SUB{k // cfg.networks_per_sub_icb + 1:03d}"
        org_rows.append(
            (net, f"{_WORDS_A[k % 20]} {_WORDS_B[(k // 20) % 20]} Network {k + 1}", "network", sub)
        )
        for p in members:
            code = f"Y{p + 1:05d}"
            base = f"{_WORDS_A[int(rng.integers(20))]} {_WORDS_B[int(rng.integers(20))]} {_WORDS_C[int(rng.integers(5))]}"
            name = base if base not in used_names else f"{base} ({code})"
            used_names.add(name)
            org_rows.append((code, name, "practice", net))
            prac_rows.append(
                (code, name, net, sub, float(imd[p]), ["emis", "tpp", "vision"][p % 3], None, None)
            )
    orgs = pa.Table.from_pylist(
        [dict(zip(["org_code", "name", "type", "parent_code"], r, strict=True)) for r in org_rows],
        schema=SCHEMAS["organisations"],
    )
    cols = [
        "practice_code",
        "name",
        "network_code",
        "sub_icb_code",
        "imd_score",
        "ehr_system",
        "opened",
        "closed",
    ]
    practices = pa.Table.from_pylist(
        [dict(zip(cols, r, strict=True)) for r in prac_rows], schema=SCHEMAS["practices"]
    )
    return orgs, practices, networks


def write_results_only(
    root: Path | str, cfg: ResultsOnlyConfig, progress: Callable[[int, int], None] | None = None
) -> Workspace:
    """Write the workspace; `progress(done, total)` is called after each indicator."""
    rng = np.random.default_rng(cfg.seed)
    ws = init_workspace(root, name=cfg.name)
    specs = cfg.indicators or library_specs()
    dates = month_ends(cfg.start, cfg.end)
    n, t = cfg.practices, len(dates)
    orgs, practices, networks = _organisations(cfg, rng)

    snapshot_id = f"results-only-{cfg.seed}-{n}"
    snap = ws.snapshots_dir / snapshot_id
    if snap.exists():
        shutil.rmtree(snap)
    for table, data in (("organisations", orgs), ("practices", practices)):
        store.write_table(snap / table / f"{table}.parquet", data)
    manifest = {
        "kind": "results-only",
        "practices": n,
        "seed": cfg.seed,
        "tables": ["organisations", "practices"],
    }
    (snap / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (snap / "report.json").write_text(
        json.dumps({"tables": {}, "note": "results-only workspace: no extracts"}), encoding="utf-8"
    )
    ws.set_current_snapshot(snapshot_id)

    # List sizes: log-normal at the start, a small steady drift per practice.
    sigma = float(np.sqrt(2 * np.log(LIST_MEAN / LIST_MEDIAN)))
    base = rng.lognormal(np.log(LIST_MEDIAN), sigma, n).clip(800, 80000)
    drift = rng.uniform(-0.01, 0.01, n) / 12
    months = np.arange(t)
    lists = np.rint(base[:, None] * (1 + drift[:, None]) ** months[None, :]).astype(np.int64)

    net_of = np.empty(n, dtype=np.int64)
    for k, members in enumerate(networks):
        net_of[members] = k
    in_programme = rng.random(len(networks)) < cfg.programme_share
    prog_month = next((i for i, d in enumerate(dates) if d >= cfg.programme_start), t)
    ramp = np.clip((months - prog_month) / 36.0, 0, 1)  # three years to full effect

    codes = np.array(practices.column("practice_code").to_pylist())
    levels = practice_levels(practices.to_pandas(), orgs.to_pandas(), list(codes))
    date_arr = pa.array(dates, pa.date32())

    def tables() -> Iterator[pa.Table]:
        for done, spec in enumerate(specs, start=1):
            share = _share_of_list(spec) * rng.lognormal(0, 0.15, n)
            den = rng.poisson((lists * share[:, None]).clip(0, None)).astype(np.int64)
            centre = _centre(spec)
            logit0 = np.log(centre / (1 - centre))
            effect = rng.normal(0, 0.35, n)
            uplift = np.zeros((n, t))
            if spec.higher_is_better and spec.unit == "patient":
                uplift = in_programme[net_of][:, None] * ramp[None, :] * rng.uniform(0.6, 1.2, n)[:, None]
                effect = effect * np.where(in_programme[net_of], 1 - 0.5 * ramp[-1], 1.0)
            noise = rng.normal(0, 0.05, (n, t))
            p = 1 / (1 + np.exp(-(logit0 + effect[:, None] + uplift + noise)))
            num = rng.binomial(den, p).astype(np.int64)
            exc = rng.binomial(den, 0.03).astype(np.int64) if spec.unit == "patient" else np.zeros_like(den)
            yield _rolled_up(spec, date_arr, codes, levels, num, den, exc)
            if progress:
                progress(done, len(specs))

    store.write_tables(ws.results_path, RESULTS, tables())
    store.write_table(
        ws.list_sizes_path,
        pa.table(
            {
                "practice_code": pa.array(np.repeat(codes, t)),
                "reporting_date": date_arr.take(pa.array(np.tile(np.arange(t), n))),
                "list_size": pa.array(lists.reshape(-1)),
            },
            schema=LIST_SIZES,
        ),
    )
    store.write_json(
        ws.run_info_path,
        {
            "kind": "results-only",
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "snapshot": snapshot_id,
            "backend": "none (synthesised results)",
            "indicators": {s.id: s.version for s in specs},
            "dates": {"first": dates[0].isoformat(), "last": dates[-1].isoformat(), "count": t},
            "practices": n,
            "seed": cfg.seed,
        },
    )
    return ws


def _rolled_up(
    spec: IndicatorSpec,
    date_arr: pa.Array,
    codes: np.ndarray,
    levels: pd.DataFrame,
    num: np.ndarray,
    den: np.ndarray,
    exc: np.ndarray,
) -> pa.Table:
    """One indicator's practice counts (practices x dates) with every level above them, rolled
    up by the engine's own rule; dates are carried as positions until the table is built."""
    n, t = num.shape
    practice_rows = pd.DataFrame(
        {
            "indicator_id": spec.id,
            "indicator_version": spec.version,
            "reporting_date": np.tile(np.arange(t), n),
            "org_code": np.repeat(codes, t),
            "numerator": num.reshape(-1),
            "denominator": den.reshape(-1),
            "excluded": exc.reshape(-1),
        }
    )
    out = roll_up(practice_rows, levels)
    columns = {
        name: pa.array(out[name].to_numpy(), from_pandas=True)
        for name in RESULTS.names
        if name != "reporting_date"
    }
    columns["reporting_date"] = date_arr.take(pa.array(out["reporting_date"].to_numpy()))
    return pa.table({name: columns[name] for name in RESULTS.names}).cast(RESULTS)


def write_weekly_series(
    ws: Workspace, series: str, indicator_id: str, dates: list[dt.date], season_start: dt.date, seed: int = 0
) -> int:
    """A campaign's weekly series for a results-only workspace (no patients to search): each
    practice's cumulative uptake rises through the season by the monthly shares the patient-level
    synthesiser uses (`gpqi.synth.immunisations.FLU_MONTH_SHARE`) to the value its monthly
    results hold at the last month-end of the season, and stays there. ASSUMPTION: practices
    differ in timing (a power of the national curve, exponent log-normal with SD 0.25), so some
    front-load their clinics and some catch up late. Practice rows only, RESULTS schema; returns
    the number of rows written."""
    results = pq.read_table(
        ws.results_path,
        columns=[
            "indicator_id",
            "indicator_version",
            "reporting_date",
            "org_type",
            "org_code",
            "numerator",
            "denominator",
        ],
        filters=[
            ("indicator_id", "=", indicator_id),
            ("org_type", "=", "practice"),
            ("reporting_date", ">=", season_start),
            ("reporting_date", "<=", max(dates)),
        ],
    )
    if results.num_rows == 0:
        raise ValueError(f"{ws.results_path}: no practice results for {indicator_id} from {season_start}")
    last_date = pc.max(results["reporting_date"]).as_py()
    final = results.filter(pc.equal(results["reporting_date"], last_date)).sort_by("org_code")
    codes = final["org_code"].to_pylist()
    numerator = np.asarray(final["numerator"].to_numpy(), dtype="float64")
    denominator = np.asarray(final["denominator"].to_numpy(), dtype="int64")

    # the national curve: share of the season's vaccinations given by each day (uniform in a month)
    edges = [season_start]
    shares = []
    for month, share in FLU_MONTH_SHARE.items():
        year = season_start.year + (month < season_start.month)
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        edges.append(nxt)
        shares.append(share)
    cumulative = np.concatenate([[0.0], np.cumsum(shares) / sum(shares)])
    ordinals = np.array([d.toordinal() for d in edges], dtype="float64")
    curve = np.interp([d.toordinal() for d in dates], ordinals, cumulative)

    rng = np.random.default_rng(seed)
    power = rng.lognormal(0.0, 0.25, len(codes))
    done = np.clip(curve[None, :], 0.0, 1.0) ** power[:, None]  # practices x weeks
    num = np.floor(numerator[:, None] * done).astype("int64")
    den = np.repeat(denominator[:, None], len(dates), axis=1)
    value = np.where(den > 0, num / np.maximum(den, 1), np.nan)
    n = len(codes) * len(dates)
    table = pa.table(
        {
            "indicator_id": pa.array([indicator_id] * n, pa.string()),
            "indicator_version": pa.array([final["indicator_version"][0].as_py()] * n, pa.string()),
            "reporting_date": pa.array(
                np.tile(np.array(dates, dtype="datetime64[D]"), len(codes)), pa.date32()
            ),
            "org_type": pa.array(["practice"] * n, pa.string()),
            "org_code": pa.array(np.repeat(np.array(codes, dtype=object), len(dates)), pa.string()),
            "numerator": pa.array(num.ravel(), pa.int64()),
            "denominator": pa.array(den.ravel(), pa.int64()),
            "excluded": pa.array(np.zeros(n, dtype="int64"), pa.int64()),
            "value": pa.array(value.ravel(), pa.float64()),
        }
    ).cast(RESULTS)
    store.write_table(ws.series_results_path(series), table)  # replaced whole: readers never see half
    return n
