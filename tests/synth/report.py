"""Print the calibration table of docs/synthetic-data.md for an extract:

    .venv/bin/python -m tests.synth.report DIR [END_DATE]

Uses the same independent DuckDB queries as the tests (tests/synth/queries.py).
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

import duckdb

from tests.synth.queries import (
    REGISTERS,
    codes,
    flu_uptake,
    latest_value_share,
    listed,
    prevalence,
    pulse_by_practice,
)


def connect(folder: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for view, table in (("pat", "patients"), ("reg", "registrations"), ("ev", "clinical_events"),
                        ("vac", "vaccinations"), ("med", "medications"), ("ap", "appointments")):  # fmt: skip
        distinct = "distinct " if view == "pat" else ""
        con.execute(
            f"create view {view} as select {distinct}* from read_parquet('{folder}/practices/*/{table}.parquet')"
        )
    con.execute(f"create view prac as select * from read_parquet('{folder}/reference/practices.parquet')")
    return con


def main(folder: Path, end: str | None = None) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    end = end or manifest["end"]
    year = int(end[:4])
    con = connect(folder)
    print(f"extract {folder}: seed {manifest['seed']}, {len(manifest['practice_codes'])} practices, "
          f"{manifest['config']['patients']:,} patients, {manifest['start']} to {end}\n")  # fmt: skip
    print("| measure | value |\n|---|---|")
    for key in REGISTERS:
        [(_, value, n)] = prevalence(con, key, end)
        print(f"| prevalence {key} | {value:.2%} (n={n:,}) |")
    for key in ("DM", "COPD", "AF", "HYP"):
        rows = {g: v for g, v, _ in prevalence(con, key, end, group="l.imd_decile")}
        print(f"| {key} patient IMD deciles 1-2 / 9-10 | {(rows[1] + rows[2]) / (rows[9] + rows[10]):.2f} |")
    for season in (year - 6, year - 2):
        u = flu_uptake(con, season)
        print(f"| flu {season}-{season + 1 - 2000}: 65+ / at risk / pregnant | "
              f"{u['65_plus']:.1%} / {u['at_risk']:.1%} / {u['pregnant']:.1%} |")  # fmt: skip
    hyp = latest_value_share(con, "HYP", end, {"systolic-bp": 140, "diastolic-bp": 90}, max_age=79)
    dm_bp = latest_value_share(con, "DM", end, {"systolic-bp": 140, "diastolic-bp": 90})
    hba1c = latest_value_share(con, "DM", end, {"hba1c": 58})
    print(f"| HYP aged <=79, last BP <= 140/90 in 12 months | {hyp:.1%} |")
    print(f"| DM, last BP <= 140/90 in 12 months | {dm_bp:.1%} |")
    print(f"| DM, last HbA1c <= 58 mmol/mol in 12 months | {hba1c:.1%} |")
    programme = set(manifest["programme"]["practices"])
    start = manifest["programme"]["start"]
    py = int(start[:4])
    for day in (f"{py}-03-31", f"{py + 1}-03-31", f"{py + 2}-03-31", f"{py + 3}-03-31"):
        if day > end:
            continue
        rows = pulse_by_practice(con, day)
        inside = [r for c, r, _ in rows if c in programme]
        outside = [r for c, r, _ in rows if c not in programme]
        if inside and outside:
            print(f"| pulse check 65+ in 5 years on {day}: programme mean (SD) / others mean (SD) | "
                  f"{statistics.fmean(inside):.1%} ({statistics.pstdev(inside):.1%}) / "
                  f"{statistics.fmean(outside):.1%} ({statistics.pstdev(outside):.1%}) |")  # fmt: skip
    known = "status in ('attended', 'did_not_attend')"
    rate = "avg(case when status = 'did_not_attend' then 1 else 0 end)"
    lead = "date_diff('day', booked_at::date, start_at::date)"
    print(
        f"| DNA, of appointments attended or missed | {con.execute(f'select {rate} from ap where {known}').fetchone()[0]:.2%} |"
    )
    print(f"| DNA, of all appointments | {con.execute(f'select {rate} from ap').fetchone()[0]:.2%} |")
    bands = con.execute(
        f"""select case when {lead} = 0 then 0 when {lead} = 1 then 1 when {lead} <= 7 then 2 when {lead} <= 14 then 3
        when {lead} <= 21 then 4 when {lead} <= 28 then 5 else 6 end, {rate} from ap where {known} group by 1 order by 1"""
    ).fetchall()
    names = ("same day", "1 day", "2-7 days", "8-14 days", "15-21 days", "22-28 days", ">28 days")
    print("| DNA by lead time | " + ", ".join(f"{names[b]} {r:.1%}" for b, r in bands) + " |")
    for dim in ("mode", "booking_channel", "clinician_type"):
        rows = con.execute(f"select {dim}, {rate} from ap where {known} group by 1 order by 1").fetchall()
        print(f"| DNA by {dim} | " + ", ".join(f"{k} {r:.1%}" for k, r in rows) + " |")
    h48 = dict(
        con.execute(
            f"select (start_at - booked_at) <= interval 48 hour, {rate} from ap where {known} group by 1"
        ).fetchall()
    )
    print(f"| DNA booked within 48 hours / later | {h48[True]:.1%} / {h48[False]:.1%} |")
    n_ap = con.execute(
        f"select count(*) from ap where start_at >= TIMESTAMP '{year - 2}-04-01' and start_at < TIMESTAMP '{year - 1}-04-01'"
    ).fetchone()[0]
    n_list = con.execute(f"select count(*) from {listed(f'{year - 2}-10-01')}").fetchone()[0]
    print(f"| appointments per registered patient, {year - 2}-{year - 1 - 2000} | {n_ap / n_list:.2f} |")
    deaths = con.execute(
        f"select count(*) from pat where date_of_death >= DATE '{year - 2}-04-01' and date_of_death < DATE '{year - 1}-04-01'"
    ).fetchone()[0]
    n0 = con.execute(f"select count(*) from {listed(f'{year - 2}-04-01')}").fetchone()[0]
    print(f"| deaths per registered patient, {year - 2}-{year - 1 - 2000} | {deaths / n0:.2%} |")
    per = con.execute(
        f"""with p as (select patient_id, date as lmp from ev where code in {codes("last-menstrual-period")}
              and date + interval 224 day between DATE '{year - 3}-04-01' and DATE '{year - 1}-03-31'),
        ok as (select p.* from p join reg r on r.patient_id = p.patient_id and r.start_date <= p.lmp + interval 224 day
              and (r.end_date is null or r.end_date >= p.lmp + interval 224 day)),
        v as (select distinct ok.patient_id, ok.lmp from ok join vac on vac.patient_id = ok.patient_id
              and vac.code in {codes("pertussis-vaccination-pregnancy")}
              and vac.date between ok.lmp + interval 112 day and ok.lmp + interval 224 day)
        select (select count(*) from v)::double / count(*) from ok"""
    ).fetchone()[0]
    print(f"| pertussis vaccination, pregnancies reaching 32 weeks {year - 3}-{year - 1} | {per:.1%} |")
    for months, doses in ((24, 1), (60, 2)):
        cov = con.execute(
            f"""with c as (select p.patient_id, p.date_of_birth + interval {months} month as due from pat p
                  where p.date_of_birth + interval {months} month between DATE '{year - 3}-04-01' and DATE '{end}'),
            l as (select c.* from c join reg r on r.patient_id = c.patient_id and r.start_date <= c.due
                  and (r.end_date is null or r.end_date >= c.due)),
            v as (select l.patient_id from l join vac on vac.patient_id = l.patient_id
                  and vac.code in {codes("mmr-vaccine")} and vac.date <= l.due group by 1 having count(*) >= {doses})
            select (select count(*) from v)::double / count(*) from l"""
        ).fetchone()[0]
        print(
            f"| MMR: {doses} dose(s) by {months} months, children reaching it {year - 3}-{year} | {cov:.1%} |"
        )
    smoking = con.execute(
        f"""with s as (select patient_id, arg_max(case when code in {codes("smoking-current")} then 'current'
              when code in {codes("smoking-ex")} then 'ex' else 'never' end, date) st from ev
              where code in {codes("smoking-current", "smoking-ex", "smoking-never")} and date <= DATE '{end}' group by 1)
        select avg(case when st = 'current' then 1 else 0 end), avg(case when st = 'ex' then 1 else 0 end),
        count(*)::double / (select count(*) from {listed(end)} where age >= 18)
        from {listed(end)} l join s using (patient_id) where l.age >= 18"""
    ).fetchone()
    print(f"| adults with a smoking status: share recorded / latest current / latest ex | "
          f"{smoking[2]:.1%} / {smoking[0]:.1%} / {smoking[1]:.1%} |")  # fmt: skip
    opt = con.execute("select avg(case when type1_opt_out then 1 else 0 end) from pat").fetchone()[0]
    print(f"| type 1 opt-out | {opt:.2%} |")
    movers = con.execute(
        "select count(*) from (select patient_id from reg group by 1 having count(*) > 1)"
    ).fetchone()[0]
    print(f"| patients registered at two practices | {movers:,} |")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)
