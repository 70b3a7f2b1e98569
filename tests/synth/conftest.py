"""One calibrated population shared by the synth tests (30 practices, 75,000 patients, 8 years)."""

from __future__ import annotations

import datetime as dt
import json
import os

import duckdb
import pytest

from gpqi.synth import SynthConfig, generate

# GPQI_SYNTH_TEST_SEED runs the same checks on another draw (the calibration must not be seed-lucky).
CALIBRATION_CONFIG = SynthConfig(
    practices=30,
    patients=75_000,
    start=dt.date(2018, 4, 1),
    end=dt.date(2026, 3, 31),
    seed=int(os.environ.get("GPQI_SYNTH_TEST_SEED", "7")),
)


@pytest.fixture(scope="session")
def population(tmp_path_factory):
    """(folder, manifest) of the shared generated extract."""
    out = tmp_path_factory.mktemp("synth") / "extract"
    generate(out, CALIBRATION_CONFIG)
    return out, json.loads((out / "manifest.json").read_text())


@pytest.fixture(scope="session")
def con(population):
    """DuckDB over the extract's Parquet files (read independently of the generator)."""
    folder, _ = population
    db = duckdb.connect()
    db.execute(
        f"""
        create view pat as select distinct * from read_parquet('{folder}/practices/*/patients.parquet');
        create view reg as select * from read_parquet('{folder}/practices/*/registrations.parquet');
        create view ev as select * from read_parquet('{folder}/practices/*/clinical_events.parquet');
        create view vac as select * from read_parquet('{folder}/practices/*/vaccinations.parquet');
        create view med as select * from read_parquet('{folder}/practices/*/medications.parquet');
        create view ap as select * from read_parquet('{folder}/practices/*/appointments.parquet');
        create view prac as select * from read_parquet('{folder}/reference/practices.parquet');
        create view org as select * from read_parquet('{folder}/reference/organisations.parquet');
        """
    )
    yield db
    db.close()
