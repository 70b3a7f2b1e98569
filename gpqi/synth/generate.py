"""Generate a synthetic multi-practice extract: `generate(out_dir, SynthConfig) -> manifest`.

Layout (the ingest reads it):
    DIR/manifest.json
    DIR/reference/organisations.parquet   programme, ICB, sub-ICBs, networks, practices
    DIR/reference/practices.parquet
    DIR/practices/<practice_code>/<table>.parquet   patients, registrations, clinical_events,
                                                    medications, vaccinations, appointments
(.csv instead of .parquet with format="csv"). The folder is built beside DIR and renamed into
place at the end, so an interrupted run never leaves a half-written extract behind.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from gpqi import __version__
from gpqi.cdm import SCHEMAS
from gpqi.synth import clinical, immunisations, medications, tables
from gpqi.synth.appointments import appointments
from gpqi.synth.buffers import clinical_buffer, medication_buffer, vaccination_buffer
from gpqi.synth.config import SynthConfig
from gpqi.synth.exposure import build_slices
from gpqi.synth.plan import Plan, build_plan
from gpqi.synth.population import build_population
from gpqi.synth.timeline import YEAR

PATIENT_FILES = (
    "patients",
    "registrations",
    "clinical_events",
    "medications",
    "vaccinations",
    "appointments",
)


class SynthError(RuntimeError):
    """The output folder cannot be written (exists and is not empty, or not writable)."""


def write_table(table: pa.Table, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        pq.write_table(table, path.with_suffix(".parquet"), compression="zstd")
    else:
        pacsv.write_csv(table, path.with_suffix(".csv"))


def generate_network(plan: Plan, network_index: int, root: str) -> dict[str, dict[str, int]]:
    """Generate one network's people and events and write its practices' files; row counts back."""
    net = plan.networks[network_index]
    fmt = plan.config.format
    pop = build_population(plan, net)
    history_start = plan.start_day - round(plan.config.history_years * YEAR)
    sl = build_slices(pop, history_start, plan.end_day)

    ev = clinical_buffer()
    clinical.diagnoses(plan, net, pop, ev)
    clinical.blood_pressure(plan, net, pop, sl, ev)
    clinical.hba1c(plan, net, pop, sl, ev)
    clinical.pulse_checks(plan, net, pop, sl, ev)
    clinical.smoking(plan, net, pop, sl, ev)
    clinical.reviews(plan, net, pop, sl, ev)
    clinical.palliative(plan, net, pop, ev)
    vac = vaccination_buffer()
    preg = immunisations.pregnancies(plan, net, pop, sl, ev)
    immunisations.pertussis(plan, net, pop, preg, vac)
    immunisations.flu(plan, net, pop, preg, vac)
    immunisations.mmr(plan, net, pop, vac)
    med = medication_buffer()
    medications.prescriptions(plan, net, pop, med)
    ap = appointments(plan, net, pop, sl)
    del sl

    evs, meds, vacs = ev.arrays(), med.arrays(), vac.arrays()
    counts: dict[str, dict[str, int]] = {}
    for j, prac in enumerate(net.practices):
        folder = Path(root) / "practices" / prac.code
        folder.mkdir(parents=True, exist_ok=True)
        members = np.flatnonzero((pop.prac1 == j) | (pop.prac0 == j))
        out = {
            "patients": tables.patients(pop, members),
            "registrations": tables.registrations(pop, j, prac.code),
            "clinical_events": tables.clinical_events(
                pop, evs, np.flatnonzero(evs["practice"] == j), prac.code
            ),
            "medications": tables.medications(pop, meds, np.flatnonzero(meds["practice"] == j), prac.code),
            "vaccinations": tables.vaccinations(pop, vacs, np.flatnonzero(vacs["practice"] == j), prac.code),
            "appointments": tables.appointments(
                pop, ap, np.flatnonzero(ap.practice == j), prac.code, prac.index + 1
            ),
        }
        for name, table in out.items():
            write_table(table, folder / name, fmt)
        counts[prac.code] = {name: t.num_rows for name, t in out.items()}
    return counts


def organisations_table(plan: Plan) -> pa.Table:
    rows = [(plan.programme_code, plan.programme_name, "programme", None)]
    rows.append((plan.icb_code, plan.icb_name, "icb", plan.programme_code))
    rows += [(code, name, "sub_icb", plan.icb_code) for code, name in plan.sub_icbs]
    rows += [(n.code, n.name, "network", n.sub_icb_code) for n in plan.networks]
    rows += [(p.code, p.name, "practice", p.network_code) for p in plan.practices]
    cols = list(zip(*rows, strict=True))
    return pa.Table.from_arrays(
        [pa.array(list(c), type=pa.string()) for c in cols], schema=SCHEMAS["organisations"]
    )


def practices_table(plan: Plan) -> pa.Table:
    ps = plan.practices
    return pa.Table.from_pylist(
        [
            {
                "practice_code": p.code,
                "name": p.name,
                "network_code": p.network_code,
                "sub_icb_code": p.sub_icb_code,
                "imd_score": round(p.imd_score, 3),
                "ehr_system": p.ehr_system,
                "opened": p.opened,
                "closed": None,
            }
            for p in ps
        ],
        schema=SCHEMAS["practices"],
    )


def _manifest(plan: Plan, counts: dict[str, dict[str, int]]) -> dict:
    cfg = plan.config
    totals = {t: sum(c[t] for c in counts.values()) for t in PATIENT_FILES}
    return {
        "generator": "gpqi.synth",
        "gpqi_version": __version__,
        "config": cfg.model_dump(mode="json", exclude={"workers"}),
        "format": cfg.format,
        "seed": cfg.seed,
        "start": cfg.start.isoformat(),
        "end": cfg.end.isoformat(),
        "programme": {
            "code": plan.programme_code,
            "name": plan.programme_name,
            "start": plan.programme_start.isoformat(),
            "networks": [n.code for n in plan.networks if n.in_programme],
            "practices": [p.code for p in plan.practices if p.in_programme],
        },
        "icb": plan.icb_code,
        "sub_icbs": [code for code, _ in plan.sub_icbs],
        "networks": {n.code: [p.code for p in n.practices] for n in plan.networks},
        "practice_codes": [p.code for p in plan.practices],
        "list_sizes": {p.code: p.list_size for p in plan.practices},
        "people": sum(n.capacity for n in plan.networks),  # distinct patients (movers are in two files)
        "row_counts": totals,
        "row_counts_by_practice": counts,
        "calibration": {"expected_prevalence": plan.expected_prevalence},
    }


def _prepare_target(out_dir: Path, overwrite: bool) -> Path:
    if out_dir.exists():
        if not out_dir.is_dir():
            raise SynthError(f"{out_dir}: exists and is not a folder")
        if any(out_dir.iterdir()) and not overwrite:
            raise SynthError(f"{out_dir}: folder is not empty (use --overwrite to replace it)")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.synth-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    return tmp


def generate(
    out_dir: Path | str,
    config: SynthConfig | None = None,
    *,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Write a synthetic extract to out_dir and return its manifest.

    `progress(done_practices, total_practices)` is called as networks finish.
    """
    config = config or SynthConfig()
    out_dir = Path(out_dir)
    started = time.perf_counter()
    tmp = _prepare_target(out_dir, overwrite)
    try:
        plan = build_plan(config)
        (tmp / "reference").mkdir()
        write_table(organisations_table(plan), tmp / "reference" / "organisations", config.format)
        write_table(practices_table(plan), tmp / "reference" / "practices", config.format)
        total = len(plan.practices)
        done = 0
        counts: dict[str, dict[str, int]] = {}
        if progress:
            progress(0, total)
        indices = range(len(plan.networks))
        if config.workers > 1 and len(plan.networks) > 1:
            with ProcessPoolExecutor(max_workers=config.workers) as pool:
                futures = [pool.submit(generate_network, plan, i, str(tmp)) for i in indices]
                for fut in futures:
                    result = fut.result()
                    counts.update(result)
                    done += len(result)
                    if progress:
                        progress(done, total)
        else:
            for i in indices:
                result = generate_network(plan, i, str(tmp))
                counts.update(result)
                done += len(result)
                if progress:
                    progress(done, total)
        counts = {p.code: counts[p.code] for p in plan.practices}
        manifest = _manifest(plan, counts)
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        if out_dir.exists():
            old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    manifest["elapsed_seconds"] = round(
        time.perf_counter() - started, 2
    )  # not written: files stay deterministic
    return manifest
