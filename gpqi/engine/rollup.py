"""Roll practice counts up the organisation tree: network, sub-ICB, ICB and programme.

Roll-ups sum numerators, denominators and exclusions; the value is recomputed from the sums
(never an average of practice rates). The network and sub-ICB come from the practices table;
the ICB is the nearest ancestor of type icb (through organisations.parent_code, starting from
the practice, else from its sub-ICB); the programme is the nearest ancestor of type programme,
else the only programme in organisations, else a programme row with code "ALL".
"""

from __future__ import annotations

import pandas as pd

ALL_PRACTICES = "ALL"


def _ancestor(
    code: str | None, parents: dict[str, str | None], types: dict[str, str], want: str
) -> str | None:
    seen: set[str] = set()
    while code is not None and code not in seen:
        seen.add(code)
        if types.get(code) == want:
            return code
        code = parents.get(code)
    return None


def practice_levels(practices: pd.DataFrame, organisations: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """practice_code -> network, sub_icb, icb, programme (None where unknown)."""
    parents = dict(zip(organisations["org_code"], organisations["parent_code"], strict=True))
    types = dict(zip(organisations["org_code"], organisations["type"], strict=True))
    programmes = sorted(organisations.loc[organisations["type"] == "programme", "org_code"])
    info = practices.set_index("practice_code")
    rows = []
    for code in codes:
        network = info["network_code"].get(code) if code in info.index else None
        sub_icb = info["sub_icb_code"].get(code) if code in info.index else None
        icb = _ancestor(code, parents, types, "icb") or _ancestor(sub_icb, parents, types, "icb")
        programme = _ancestor(code, parents, types, "programme") or _ancestor(
            network, parents, types, "programme"
        )
        if programme is None:
            programme = programmes[0] if len(programmes) == 1 else ALL_PRACTICES
        rows.append(
            {
                "practice_code": code,
                "network": network,
                "sub_icb": sub_icb,
                "icb": icb,
                "programme": programme,
            }
        )
    return pd.DataFrame(rows, columns=["practice_code", "network", "sub_icb", "icb", "programme"])


def roll_up(practice_rows: pd.DataFrame, levels: pd.DataFrame) -> pd.DataFrame:
    """practice rows (indicator_id, indicator_version, reporting_date, org_code, numerator,
    denominator, excluded) -> the same for every level, with org_type and value."""
    keys = ["indicator_id", "indicator_version", "reporting_date"]
    counts = ["numerator", "denominator", "excluded"]
    frames = [practice_rows.assign(org_type="practice")]
    merged = practice_rows.merge(levels, left_on="org_code", right_on="practice_code", how="left")
    for level in ("network", "sub_icb", "icb", "programme"):
        chosen = merged[merged[level].notna()]
        if chosen.empty:
            continue
        summed = chosen.groupby([*keys, level], as_index=False, sort=False)[counts].sum()
        frames.append(summed.rename(columns={level: "org_code"}).assign(org_type=level))
    out = pd.concat(frames, ignore_index=True)
    denominator = out["denominator"].astype("float64")
    out["value"] = (out["numerator"] / denominator).where(denominator > 0)
    return out
