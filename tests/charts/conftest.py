"""Shared checks for chart specs: valid Vega-Lite, compiles with both Vega-Lite versions we use,
and example data built with gpqi.stats."""

import json
from importlib import resources
from typing import Any

import jsonschema
import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

from gpqi import stats


@pytest.fixture(scope="session")
def vega_lite_schema() -> dict[str, Any]:
    # the Vega-Lite 6 JSON schema altair ships: the web page draws specs with Vega-Lite 6
    return json.loads(
        resources.files("altair.vegalite.v6.schema").joinpath("vega-lite-schema.json").read_text()
    )


@pytest.fixture(scope="session")
def check_spec(vega_lite_schema):
    validator = jsonschema.Draft7Validator(vega_lite_schema)

    def check(spec: dict[str, Any]) -> None:
        errors = sorted(validator.iter_errors(spec), key=lambda e: list(e.path))
        assert not errors, [f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]]
        json.dumps(spec, allow_nan=False)  # plain JSON: no NaN, no NumPy types
        for version in ("5.21", "6.4"):  # server render and browser
            vega = vlc.vegalite_to_vega(spec, vl_version=version)
            assert vega["marks"], version
        assert spec["description"] and spec["$schema"].endswith("v5.json")

    return check


@pytest.fixture
def practices() -> pd.DataFrame:
    rng = np.random.default_rng(20180401)
    n = rng.integers(150, 2500, 24)
    x = rng.binomial(n, rng.uniform(0.62, 0.78, 24))
    x[0], n[0] = 40, 160  # a small practice well below the rest
    labels = [f"Practice {chr(65 + i)}" for i in range(24)]
    table = stats.funnel(x, n).table
    table["label"] = labels
    table["lower"], table["upper"] = stats.wilson_interval(x, n)
    table["value"] = table["proportion"]
    return table
