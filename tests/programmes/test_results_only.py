"""gpqi.programmes.results_only: the weekly campaign series it synthesises for a results-only
programme (no patients to search) rises through the season by the monthly shares to each
practice's season figure in the monthly results."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from gpqi.engine.dates import parse_dates
from gpqi.engine.schema import RESULTS
from gpqi.programmes.results_only import (
    IndicatorSpec,
    ResultsOnlyConfig,
    write_results_only,
    write_weekly_series,
)
from gpqi.synth.immunisations import FLU_MONTH_SHARE

SEASON = dt.date(2025, 9, 1)


@pytest.fixture(scope="module")
def series(tmp_path_factory):  # noqa: ANN201
    root = tmp_path_factory.mktemp("results-only")
    spec = IndicatorSpec("flu-65", "v1", True, "patient", "vaccination")
    ws = write_results_only(
        root,
        ResultsOnlyConfig(
            practices=12, seed=5, network_size=(4, 4), networks_per_sub_icb=3, indicators=(spec,)
        ),
    )
    dates = parse_dates("weekly:2025-09-07..2026-03-29")
    rows = write_weekly_series(ws, "flu-test", "flu-65", dates, SEASON, seed=2)
    return ws, dates, rows


def test_series_is_cumulative_and_ends_at_the_season_figure(series):
    ws, dates, rows = series
    table = pq.read_table(ws.series_results_path("flu-test"))
    assert table.schema.equals(RESULTS) and table.num_rows == rows == 12 * len(dates)
    weekly = table.to_pandas()
    final = (
        duckdb.connect()
        .sql(
            f"""select org_code, numerator, denominator from '{ws.results_path}'
            where indicator_id = 'flu-65' and org_type = 'practice' and reporting_date = '2026-02-28'"""
        )
        .df()
        .set_index("org_code")
    )
    for code, rows_ in weekly.sort_values("reporting_date").groupby("org_code"):
        num = rows_["numerator"].to_numpy()
        assert (np.diff(num) >= 0).all(), code  # cumulative
        assert (rows_["denominator"] == final.loc[code, "denominator"]).all()
        after_season = rows_[rows_["reporting_date"] >= dt.date(2026, 3, 1)]
        assert (after_season["numerator"] == final.loc[code, "numerator"]).all()
        assert num[0] < 0.25 * final.loc[code, "numerator"]  # one week into September


def test_programme_follows_the_monthly_shares(series):
    ws, dates, _ = series
    weekly = pq.read_table(ws.series_results_path("flu-test")).to_pandas()
    totals = weekly.groupby("reporting_date")["numerator"].sum()
    season = totals.iloc[-1]
    # the last week in October: the September share and the part of October's share given by
    # then (uniform within a month); practices' timing varies (a power of the curve, log-normal
    # exponent, SD 0.25), which moves a 12-practice total by a few points
    day = max(d for d in dates if d < dt.date(2025, 11, 1))
    shares = sum(FLU_MONTH_SHARE.values())
    expected = (FLU_MONTH_SHARE[9] + FLU_MONTH_SHARE[10] * (day - dt.date(2025, 10, 1)).days / 31) / shares
    assert totals.loc[day] / season == pytest.approx(expected, abs=0.05)


def test_no_results_for_the_indicator_is_a_clear_error(series):
    ws, dates, _ = series
    with pytest.raises(ValueError, match="no practice results for dm-bp"):
        write_weekly_series(ws, "other", "dm-bp", dates, SEASON)
