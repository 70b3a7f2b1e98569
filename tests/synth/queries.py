"""Independent SQL for the calibration checks: computed from the extract's files with DuckDB and
the bundled codelists, the way an indicator engine would, never from the generator's internals.

Definitions: "listed on d" = a registration covering d and alive on d (died after d or never);
"on a register on d" = the latest diagnosis-or-resolved code on or before d is a diagnosis code;
age = completed years on d.
"""

from __future__ import annotations

from gpqi.codelists import load

# register -> (diagnosis codelists, resolved codelist, minimum age of the QOF list)
REGISTERS = {
    "HYP": (("hypertension",), "hypertension-resolved", 0),
    "DM": (("diabetes",), "diabetes-resolved", 17),
    "AST": (("asthma",), "asthma-resolved", 0),
    "CHD": (("chd",), None, 0),
    "AF": (("atrial-fibrillation",), None, 0),
    "COPD": (("copd",), "copd-resolved", 0),
    "STIA": (("stroke", "tia"), None, 0),
    "HF": (("heart-failure",), None, 0),
    "CKD": (("ckd",), None, 18),
}


def codes(*slugs: str) -> str:
    """A SQL IN-list of the codes (as strings) of the named codelists."""
    out = [c for s in slugs for c in load(s).codes]
    return "(" + ",".join(f"'{c}'" for c in out) + ")"


def age_on(day: str, dob: str = "p.date_of_birth") -> str:
    return (
        f"(date_diff('year', {dob}, DATE '{day}') - "
        f"case when strftime({dob}, '%m%d') > strftime(DATE '{day}', '%m%d') then 1 else 0 end)"
    )


def listed(day: str) -> str:
    return f"""(select r.patient_id, r.practice_code, p.sex, p.imd_decile, {age_on(day)} as age
        from reg r join pat p using (patient_id)
        where r.start_date <= DATE '{day}' and (r.end_date is null or r.end_date >= DATE '{day}')
          and (p.date_of_death is null or p.date_of_death > DATE '{day}'))"""


def on_register(key: str, day: str) -> str:
    dx, res, _ = REGISTERS[key]
    res_codes = codes(res) if res else "('')"
    return f"""(select patient_id from (
        select patient_id, arg_max(case when code in {res_codes} then 1 else 0 end, date) as resolved
        from ev where (code in {codes(*dx)} or code in {res_codes}) and date <= DATE '{day}'
        group by patient_id) where resolved = 0)"""


def prevalence(con, key: str, day: str, group: str | None = None) -> list[tuple]:
    """[(group, prevalence, denominator)] of a register on `day` among the relevant list."""
    min_age = REGISTERS[key][2]
    g = group or "'all'"
    return con.execute(
        f"""select {g} as g, count(r.patient_id)::double / count(*), count(*)
        from {listed(day)} l left join {on_register(key, day)} r using (patient_id)
        left join prac using (practice_code)
        where l.age >= {min_age} group by 1 order by 1"""
    ).fetchall()


def latest_value_share(
    con, key: str, day: str, limits: dict[str, float], max_age: int | None = None
) -> float:
    """Share of a register whose latest value of each codelist in the 12 months to `day` is within
    its limit (lowest value when several share the latest date); no reading counts as a fail."""
    ctes, joins, conds = [], [], []
    for i, (slug, limit) in enumerate(limits.items()):
        ctes.append(
            f"""v{i} as (select patient_id, min(numeric_value) filter (where date = last) as v from (
                select patient_id, numeric_value, date, max(date) over (partition by patient_id) as last
                from ev where code in {codes(slug)} and date <= DATE '{day}'
                  and date > DATE '{day}' - interval 12 month) group by patient_id)"""
        )
        joins.append(f"left join v{i} using (patient_id)")
        conds.append(f"coalesce(v{i}.v <= {limit}, false)")
    age = f"and l.age <= {max_age}" if max_age is not None else ""
    return con.execute(
        f"""with {", ".join(ctes)}
        select avg(case when {" and ".join(conds)} then 1 else 0 end)
        from {listed(day)} l join {on_register(key, day)} r using (patient_id) {" ".join(joins)}
        where l.age >= {REGISTERS[key][2]} {age}"""
    ).fetchone()[0]


def pulse_by_practice(con, day: str) -> list[tuple]:
    """[(practice_code, share of 65+ with a pulse-rhythm check in the 5 years to day, n)]."""
    return con.execute(
        f"""with c as (select distinct patient_id from ev where code in {codes("pulse-rhythm-check")}
            and date <= DATE '{day}' and date > DATE '{day}' - interval 5 year)
        select practice_code, avg(case when c.patient_id is not null then 1 else 0 end), count(*)
        from {listed(day)} l left join c using (patient_id) where l.age >= 65 group by 1 order by 1"""
    ).fetchall()


def flu_uptake(con, year: int) -> dict[str, float]:
    """Uptake in the season 1 Sep `year` to end Feb, among those listed at the end of the season."""
    end = f"{year + 1}-02-28"
    risk = codes("diabetes", "asthma", "copd", "chd", "ckd", "stroke", "tia", "heart-failure")
    resolved = codes("diabetes-resolved", "asthma-resolved", "copd-resolved")
    row = con.execute(
        f"""with l as (select * from {listed(end)}),
        a as (select patient_id, {age_on(f"{year + 1}-03-31")} as age from pat p),
        v as (select distinct patient_id from vac where code in {codes("flu-vaccination")}
              and date between DATE '{year}-09-01' and DATE '{end}'),
        risk as (select patient_id from (select patient_id,
                 arg_max(case when code in {resolved} then 1 else 0 end, date) as r from ev
                 where (code in {risk} or code in {resolved}) and date <= DATE '{year}-09-01' group by 1)
                 where r = 0),
        preg as (select distinct patient_id from ev where code in {codes("last-menstrual-period")}
                 and date <= DATE '{end}' and date + interval 280 day >= DATE '{year}-09-01')
        select
          avg(case when v.patient_id is not null then 1 else 0 end) filter (where a.age >= 65),
          avg(case when v.patient_id is not null then 1 else 0 end)
            filter (where a.age < 65 and risk.patient_id is not null and preg.patient_id is null),
          avg(case when v.patient_id is not null then 1 else 0 end) filter (where a.age < 65 and preg.patient_id is not null)
        from l join a using (patient_id) left join v using (patient_id)
        left join risk using (patient_id) left join preg using (patient_id)"""
    ).fetchone()
    return dict(zip(("65_plus", "at_risk", "pregnant"), row, strict=True))
