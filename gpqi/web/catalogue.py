"""Indicator metadata for the pages: the built-in library (`gpqi.indicators.load_library`), with
the programme's own target overrides from the app database."""

from __future__ import annotations

import threading

from gpqi.access.indicator import IndicatorMeta

DOMAIN_ORDER = ("cardiovascular", "diabetes", "respiratory", "immunisation", "pregnancy", "operational")


_lock = threading.Lock()
_library: dict[str, IndicatorMeta] | None = None


def _load_library() -> dict[str, IndicatorMeta]:
    global _library
    with _lock:
        if _library is None:
            from gpqi.indicators import load_library
            from gpqi.indicators.windows import season_start

            _library = {
                ind.id: IndicatorMeta(
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
                )
                for ind in load_library()
            }
        return _library


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
