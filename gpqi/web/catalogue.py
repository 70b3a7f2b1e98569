"""Indicator metadata for the pages: the workspace's library (`gpqi.indicators.workspace`: the
built-ins and the programme's own definitions), with the programme's own target overrides from
the app database."""

from __future__ import annotations

import threading

from gpqi.access.indicator import IndicatorMeta
from gpqi.indicators import Indicator
from gpqi.indicators.windows import season_start
from gpqi.indicators.workspace import workspace_library
from gpqi.web.ws import workspace

DOMAIN_ORDER = ("cardiovascular", "diabetes", "respiratory", "immunisation", "pregnancy", "operational")


def _meta(ind: Indicator) -> IndicatorMeta:
    return IndicatorMeta(
        id=ind.id,
        title=ind.title,
        domain=ind.domain,
        kind=getattr(ind, "kind", "clinical"),
        unit=ind.unit,
        higher_is_better=ind.higher_is_better,
        target=ind.target.value if ind.target else None,
        target_source=getattr(ind.target, "source", "") if ind.target else "",
        reference=ind.reference,
        description=getattr(ind, "description", ""),
        season_start=season_start(ind),
        uses_lead_time=_uses_lead_time(ind),
    )


_lock = threading.Lock()
_metas: dict[int, dict[str, IndicatorMeta]] = {}


def _load_library() -> dict[str, IndicatorMeta]:
    """The workspace's library (built-ins and its own definitions), re-read when it changes."""
    library = workspace_library(workspace(), strict=False)
    with _lock:
        found = _metas.get(id(library))
        if found is None:
            _metas.clear()
            found = _metas[id(library)] = {i: _meta(e.indicator) for i, e in library.entries.items()}
        return found


def _uses_lead_time(ind: object) -> bool:
    return any(
        getattr(population, "lead_time_days", None) is not None
        or getattr(population, "lead_time_hours", None) is not None
        for population in (getattr(ind, "denominator", None), getattr(ind, "numerator", None))
    )


def catalogue(indicator_ids: list[str] | None = None) -> dict[str, IndicatorMeta]:
    """Metadata for every indicator with results (library order), targets overridden by the
    programme's `TargetOverride` rows that apply to all networks."""
    from gpqi.web.governance.models import TargetOverride

    library = _load_library()
    overrides = dict(TargetOverride.objects.filter(network__isnull=True).values_list("indicator_id", "value"))
    ids = indicator_ids if indicator_ids is not None else list(library)
    out: dict[str, IndicatorMeta] = {}
    for ind_id in ids:
        meta = library.get(ind_id) or IndicatorMeta(
            ind_id, ind_id, "other", "clinical", "patient", True, None, "", "not in the library", ""
        )
        if ind_id in overrides:
            meta = IndicatorMeta(
                **{**meta.__dict__, "target": overrides[ind_id], "target_source": "programme target"}
            )
        out[ind_id] = meta
    return out


def network_targets(indicator_id: str) -> dict[str, float]:
    from gpqi.web.governance.models import TargetOverride

    return {
        t.network.code: t.value
        for t in TargetOverride.objects.filter(
            indicator_id=indicator_id, network__isnull=False
        ).select_related("network")
    }


def domain_sort_key(domain: str) -> tuple[int, str]:
    return (DOMAIN_ORDER.index(domain) if domain in DOMAIN_ORDER else len(DOMAIN_ORDER), domain)
