"""Rebuild the calibration tables in `gpqi/synth/data/` from the public reference files.

Run once by a maintainer (`python -m gpqi.synth.build_reference REFERENCE_DIR`); the outputs are
committed so the generator never needs the reference folder. Every output is DERIVED from the
public files named in `data/PROVENANCE.md`; practice codes and names are dropped from the
profiles, and kept only in `real_practices.txt.gz`, which the generator uses to make sure it never
emits a real code or name.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).parent / "data"
CONDITIONS = ("HYP", "DM", "AST", "CHD", "AF", "COPD", "STIA", "HF", "CKD")


def build_profiles(ref: Path) -> pd.DataFrame:
    """One row per real practice: list size, age-band counts (Apr 2020), IMD 2019 score."""
    ages = pd.read_csv(ref / "practice_list_by_age_group_apr2020.csv")
    imd = pd.read_csv(ref / "practice_IMD_fingertips_93553_raw.csv", encoding="utf-8-sig")
    imd = imd[imd["Year"] == 2019][["AreaCode", "Value"]].rename(
        columns={"AreaCode": "PRACTICE_CODE", "Value": "imd_score"}
    )
    pay = pd.read_csv(
        ref / "nhs_payments_to_general_practice_2022-23.csv",
        encoding="utf-8-sig",
        usecols=["Practice Code", "Number of Registered Patients (Last Known Figure)"],
    ).rename(
        columns={
            "Practice Code": "PRACTICE_CODE",
            "Number of Registered Patients (Last Known Figure)": "list_size",
        }
    )
    df = ages.merge(imd, on="PRACTICE_CODE").merge(pay, on="PRACTICE_CODE")
    df = df[(df["list_size"] >= 1000) & (df["TOTAL"] >= 1000)]
    out = pd.DataFrame(
        {
            "list_size": df["list_size"].round().astype(int),
            "n_0_15": df["TOTAL"] - df["16OV"],
            "n_16_17": df["16OV"] - df["18OV"],
            "n_18_49": df["18OV"] - df["50OV"],
            "n_50_64": df["50OV"] - df["65OV"],
            "n_65_plus": df["65OV"],
            "n_30_74": df["30_74"],
            "imd_score": df["imd_score"].round(3),
        }
    )
    out = out[(out.drop(columns="imd_score") >= 0).all(axis=1)]
    return out.sort_values(["imd_score", "list_size"]).reset_index(drop=True)


def build_prevalence(ref: Path) -> pd.DataFrame:
    """QOF 2019-20 registers and lists by patient IMD decile, for the nine synthesised registers."""
    df = pd.read_csv(ref / "qof1920_output_imd_prevalence.csv")
    df = df[df["group_code"].isin(CONDITIONS) & (df["imd_overall"] != "Wales")].copy()
    df["imd_decile"] = df["imd_overall"].astype(int)
    return df[["group_code", "imd_decile", "register", "list"]].sort_values(["group_code", "imd_decile"])


def build_national(ref: Path) -> pd.DataFrame:
    """England recorded prevalence 2019-20: register / relevant list summed over regions."""
    df = pd.read_csv(ref / "qof1920_output_region_prevalence.csv")
    df = df[df["group_code"].isin(CONDITIONS) & (df["region"] != "Wales")]
    g = df.groupby("group_code")[["register", "list"]].sum()
    g["prevalence"] = g["register"] / g["list"]
    return g.reset_index()


def build_dna(ref: Path) -> pd.DataFrame:
    df = pd.read_csv(ref / "dna_rates_summary_from_nhsd_regional_csv.csv")
    return df[df["dimension"].isin(["all", "appt_mode", "book_to_appt", "hcp_type"])]


def build_real_practices(ref: Path) -> list[str]:
    rows: set[tuple[str, str]] = set()
    pay = pd.read_csv(
        ref / "nhs_payments_to_general_practice_2022-23.csv",
        encoding="utf-8-sig",
        usecols=["Practice Code", "Practice Name"],
    )
    rows.update(zip(pay["Practice Code"], pay["Practice Name"], strict=True))
    st = pd.read_csv(ref / "qof_2023-24_practice_structures_MAPPING_NHS_GEOGRAPHIES.csv")
    rows.update(zip(st["PRACTICE_CODE"], st["PRACTICE_NAME"], strict=True))
    imd = pd.read_csv(ref / "practice_IMD_fingertips_93553_raw.csv", encoding="utf-8-sig")
    rows.update(zip(imd["AreaCode"], imd["AreaName"], strict=True))
    ages = pd.read_csv(ref / "practice_list_by_age_group_apr2020.csv")
    rows.update((code, "") for code in ages["PRACTICE_CODE"])
    return sorted(f"{code.strip().upper()}\t{str(name).strip().lower()}" for code, name in rows)


def main(ref_dir: str) -> None:
    ref = Path(ref_dir)
    DATA_DIR.mkdir(exist_ok=True)
    build_profiles(ref).to_csv(DATA_DIR / "practice_profiles.csv", index=False)
    build_prevalence(ref).to_csv(DATA_DIR / "qof1920_prevalence_by_imd_decile.csv", index=False)
    build_national(ref).to_csv(DATA_DIR / "qof1920_prevalence_england.csv", index=False)
    build_dna(ref).to_csv(DATA_DIR / "dna_rates.csv", index=False)
    with gzip.open(DATA_DIR / "real_practices.txt.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(build_real_practices(ref)) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/reference")
