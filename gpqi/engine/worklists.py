"""Worklists: each practice's own patients in an indicator's denominator and not in its
numerator on the latest reporting date of a run, with why and what a clinician needs to act.
Patients removed only by payment exceptions (e.g. unanswered invitations) are listed too:
they drop out of the figure, not out of care.

The reason comes from the first coded criterion of the numerator (e.g. the systolic reading
for a blood-pressure indicator): `never_recorded` (no such record on or before the date),
`out_of_date` (the latest record is outside the window), `above_target` (the latest reading is
in the window but outside the range), otherwise `not_done` (another numerator criterion is
unmet). Worklists are patient-identifiable, for direct care at that practice only, and include
patients with a type 1 opt-out.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel

from gpqi.engine.schema import WORKLIST
from gpqi.indicators.compiler import SOURCE_OF, Compiler, PatientPopulations, leaf_name, leaf_spec
from gpqi.indicators.intervals import KEY, covering, lit
from gpqi.indicators.model import Indicator, Period, SinceDate, SinceEvent, SincePregnancy, leaves
from gpqi.indicators.windows import age_on, in_window

CODED_LEAVES = ("latest_value", "event", "medication", "vaccination")


def primary_leaf(indicator: Indicator) -> BaseModel | None:
    """The numerator criterion whose latest record explains a worklist entry."""
    for leaf in leaves(indicator.numerator):
        if leaf_name(leaf) in CODED_LEAVES:
            return leaf
    return None


def worklist(
    compiler: Compiler, indicator: Indicator, populations: PatientPopulations, day: dt.date
) -> pd.DataFrame:
    """The worklist rows of every practice for one indicator, as a DataFrame in WORKLIST order."""
    # Patients removed from the denominator only for payment still need care: listed.
    den = covering(populations.for_worklist, day).select(KEY, "practice_code")
    num_now = covering(populations.numerator, day)
    num = num_now.select(_pid=num_now[KEY])
    missing = den.anti_join(num, den[KEY] == num._pid)
    patients = compiler.sources.patients
    people = patients.select(KEY, "date_of_birth", "sex", "type1_opt_out")
    table = missing.join(people, KEY)
    # The latest records are looked up for the listed patients only.
    listed = missing.select(_pid=missing[KEY])

    leaf = primary_leaf(indicator)
    spec = leaf_spec(leaf) if leaf is not None else None
    if spec is not None:
        coded = compiler.sources.coded
        source = SOURCE_OF[leaf_name(leaf)]
        rows = coded.filter(
            (coded.source == source) & coded.slug.isin(list(spec.codelist)) & (coded.date <= lit(day))
        )
        if leaf_name(leaf) == "latest_value":
            rows = rows.filter(rows.value.notnull())
        rows = rows.semi_join(listed, rows[KEY] == listed._pid)
        latest = rows.group_by(KEY).agg(_last=rows.date.max())
        on_latest = rows.join(latest, KEY).filter(ibis._.date == ibis._._last)
        last = on_latest.group_by(KEY).agg(last_date=on_latest.date.max(), last_value=on_latest.value.min())
        table = table.left_join(last, KEY).drop(f"{KEY}_right")
        if isinstance(spec.window, SinceEvent | SincePregnancy):
            if isinstance(spec.window, SinceEvent):
                slugs, latest_anchor = [spec.window.event], day
            else:
                # The qualifying pregnancy is the latest that had reached its weeks by `day`.
                ref = spec.window.pregnancy
                slugs, latest_anchor = list(ref.codelist), day - dt.timedelta(weeks=ref.reached_weeks)
            anchors = coded.filter(
                (coded.source == "clinical_events")
                & coded.slug.isin(slugs)
                & (coded.date <= lit(latest_anchor))
            )
            anchors = anchors.semi_join(listed, anchors[KEY] == listed._pid)
            anchor = anchors.group_by(KEY).agg(anchor=anchors.date.max())
            table = table.left_join(anchor, KEY).drop(f"{KEY}_right")
    frame = table.to_pandas()
    for column in ("last_date", "last_value", "anchor"):
        if column not in frame.columns:
            frame[column] = None
    frame["reason"] = [
        _reason(indicator, leaf, row.last_date, row.last_value, row.anchor, day)
        for row in frame.itertuples(index=False)
    ]
    return frame


def _as_date(value: object) -> dt.date | None:
    if value is None or value is pd.NaT or (not isinstance(value, dt.date | str) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):  # includes pandas Timestamp
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()  # numpy datetime64 or ISO text


def _reason(
    indicator: Indicator,
    leaf: BaseModel | None,
    last_date: object,
    last_value: object,
    anchor: object,
    day: dt.date,
) -> str:
    if leaf is None:
        return "not_done"
    spec = leaf_spec(leaf)
    last = _as_date(last_date)
    if last is None:
        return "never_recorded"
    window: Period | SinceDate | SinceEvent | SincePregnancy | None = spec.window
    if not in_window(last, day, window, _as_date(anchor)):
        return "out_of_date"
    if leaf_name(leaf) == "latest_value" and last_value is not None and not pd.isna(last_value):
        value = float(last_value)  # type: ignore[arg-type]
        if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
            return "above_target"
    return "not_done"


def identified(
    frame: pd.DataFrame, details: pd.DataFrame, indicator: Indicator, version: str, day: dt.date
) -> pa.Table:
    """Add names and NHS numbers (read only for the listed patients) and shape to WORKLIST."""
    merged = frame.merge(details, on=KEY, how="left")
    merged = merged.sort_values(["practice_code", "reason", "family_name", KEY], na_position="last")
    n = len(merged)
    births = [_as_date(v) for v in merged["date_of_birth"]]

    def texts(column: str) -> pa.Array:
        return pa.array([None if pd.isna(v) else str(v) for v in merged[column]], pa.string())

    values = [None if v is None or pd.isna(v) else float(v) for v in merged["last_value"]]
    columns = {
        "practice_code": texts("practice_code"),
        "indicator_id": pa.array([indicator.id] * n, pa.string()),
        "indicator_version": pa.array([version] * n, pa.string()),
        "reporting_date": pa.array([day] * n, pa.date32()),
        "patient_id": pa.array([int(v) for v in merged[KEY]], pa.int64()),
        "nhs_number": texts("nhs_number"),
        "given_name": texts("given_name"),
        "family_name": texts("family_name"),
        "date_of_birth": pa.array(births, pa.date32()),
        "sex": texts("sex"),
        "age": pa.array([age_on(b or day, day) for b in births], pa.int32()),
        "reason": texts("reason"),
        "last_date": pa.array([_as_date(v) for v in merged["last_date"]], pa.date32()),
        "last_value": pa.array(values, pa.float64()),
        "type1_opt_out": pa.array([bool(v) for v in merged["type1_opt_out"]], pa.bool_()),
    }
    return pa.Table.from_pydict(columns, schema=WORKLIST)


def patient_details(files: list, patient_ids: list[int]) -> pd.DataFrame:
    """NHS number and names, read straight from the snapshot for the listed patients only."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    columns = [KEY, "nhs_number", "given_name", "family_name"]
    if not patient_ids or not files:
        return pd.DataFrame(columns=columns)
    dataset = ds.dataset([str(f) for f in files], format="parquet")
    wanted = pa.array(sorted(set(patient_ids)), pa.int64())
    table = dataset.to_table(columns=columns, filter=pc.field(KEY).isin(wanted))
    return table.to_pandas().drop_duplicates(KEY)
