"""The API's endpoints: each asks gpqi.access for what the caller may see and lays it out as JSON,
or as CSV with `?format=csv` (the `rows` of the answer). Nothing here computes a statistic or
discloses a count; the figures are the same as the pages' (the same functions, the same gate)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from gpqi.access import figures
from gpqi.access.campaigns import NoSeries, progress_for
from gpqi.access.errors import NotVisible
from gpqi.access.focus import Focus
from gpqi.access.indicator import IndicatorMeta
from gpqi.access.results import store_for
from gpqi.codelists import load as load_codelist
from gpqi.indicators import IndicatorError, get
from gpqi.indicators.compiler import needed_codelists
from gpqi.web.api.auth import api_view, error
from gpqi.web.api.openapi import document
from gpqi.web.campaigns.models import Campaign
from gpqi.web.campaigns.views import visible_campaigns
from gpqi.web.catalogue import catalogue, network_targets
from gpqi.web.ws import workspace

VERSION = "v1"


def _num(value: Any) -> Any:
    """JSON-safe: NaN (redacted, or no value) becomes null; whole floats stay numbers."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _num(value.item())
    return value


def _answer(request: HttpRequest, data: dict[str, Any], name: str) -> HttpResponse:
    if request.GET.get("format", "json") == "csv":
        rows = data.get("rows", [])
        out = io.StringIO()
        if rows:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows({k: "" if v is None else v for k, v in r.items()} for r in rows)
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if request.GET.get("format", "json") != "json":
        return error(400, "format: json or csv")
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _meta(indicator_id: str) -> IndicatorMeta:
    ws = workspace()
    metas = catalogue(store_for(ws).indicator_ids())
    if indicator_id not in metas:
        raise NotVisible("No such indicator")
    return metas[indicator_id]


def _date(request: HttpRequest) -> dt.date:
    store = store_for(workspace())
    text = request.GET.get("date")
    if not text:
        return store.latest_date()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise NotVisible("No results for that date (YYYY-MM-DD)") from None
    if day not in store.dates():
        raise NotVisible("No results for that date")
    return day


def _indicator_json(m: IndicatorMeta) -> dict[str, Any]:
    return {
        "id": m.id,
        "title": m.title,
        "domain": m.domain,
        "kind": m.kind,
        "unit": m.unit,
        "higher_is_better": m.higher_is_better,
        "target": m.target,
        "target_source": m.target_source,
        "reference": m.reference,
        "links": {
            "self": reverse("api:indicator", args=[m.id]),
            "results": reverse("api:results", args=[m.id]),
        },
    }


@api_view
def index(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {
            "version": VERSION,
            "openapi": reverse("api:openapi"),
            "indicators": reverse("api:indicators"),
            "campaigns": reverse("api:campaigns"),
            "role": request.access.role,  # type: ignore[attr-defined]
            "own_practices": request.access.own_shared(),  # type: ignore[attr-defined]
        }
    )


@api_view
def indicators(request: HttpRequest) -> HttpResponse:
    metas = catalogue(store_for(workspace()).indicator_ids())
    rows = [_indicator_json(m) for m in metas.values()]
    flat = [{k: v for k, v in r.items() if k != "links"} for r in rows]
    return _answer(request, {"indicators": rows, "rows": flat}, "indicators")


@api_view
def indicator(request: HttpRequest, indicator_id: str) -> HttpResponse:
    meta = _meta(indicator_id)
    data = _indicator_json(meta)
    try:
        definition = get(indicator_id)
    except IndicatorError:
        data.update(definition=None, codelists=[])
        return JsonResponse(data)
    data["definition"] = definition.model_dump(mode="json", exclude_none=True)
    lists = []
    for table, slug in sorted(needed_codelists([definition])):
        entry: dict[str, Any] = {"slug": slug, "table": table}
        try:
            cl = load_codelist(slug)
            entry.update(title=cl.title, system=cl.system, source=cl.source, codes=list(cl.codes))
        except (KeyError, LookupError, OSError, ValueError):
            entry["codes"] = None  # a workspace's own codelist: see `gpqi codelists show`
        lists.append(entry)
    data["codelists"] = lists
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@api_view
def results(request: HttpRequest, indicator_id: str) -> HttpResponse:
    """Every practice the caller may see at a date (own raw, others disclosed), each network's
    and the programme's totals by the gate's totals rule, and the funnel's verdicts."""
    a = request.access  # type: ignore[attr-defined]
    meta = _meta(indicator_id)
    date = _date(request)
    ws = workspace()
    store = store_for(ws)
    method = request.GET.get("method", "spiegelhalter")
    if method not in figures.FUNNEL_METHODS:
        return error(400, f"method: one of {', '.join(figures.FUNNEL_METHODS)}")
    frame, fb = figures.indicator_frame(
        ws, store, a, indicator_id, date, method, higher_is_better=meta.higher_is_better
    )
    rows = []
    for r in frame.itertuples():
        named = a.is_named(r.org_code)
        rows.append(
            {
                "practice": a.label(r.org_code),
                "code": r.org_code if named else None,  # a pseudonymised peer's code would name it
                "own": bool(r.own),
                "numerator": _num(r.numerator),
                "denominator": _num(r.denominator),
                "value": _num(r.value),
                "ci_low": _num(r.ci_low),
                "ci_high": _num(r.ci_high),
                "rank": None if r.rank != r.rank else int(r.rank),
                "funnel_95": r.outlier_95 or "within",
                "funnel_998": r.outlier_998 or "within",
                "suppressed": bool(r.redacted),
            }
        )
    rows.sort(key=lambda x: (x["rank"] is None, x["rank"] or 0, x["practice"]))
    sums = figures.network_sums(ws, store, a, indicator_id, date)
    targets, earned = figures.network_incentives(store, sums, meta, network_targets(indicator_id))
    networks = [
        {
            "network": code,
            "practices": int(sums.practices[i]),
            "numerator": _num(float(sums.numerator[i])),
            "denominator": _num(float(sums.denominator[i])),
            "value": _num(
                float(sums.numerator[i] / sums.denominator[i])
                if sums.denominator[i] and not math.isnan(sums.numerator[i] + sums.denominator[i])
                else None
            ),
            "target": targets[i],
            "incentive_earned": earned[i],
        }
        for i, code in enumerate(sums.networks)
    ]
    programme, _ = figures.group_series(ws, store, a, indicator_id, Focus("programme"))
    at = programme[programme["reporting_date"] == date]
    total = (
        {
            "numerator": _num(at["numerator"].iloc[0]),
            "denominator": _num(at["denominator"].iloc[0]),
            "value": _num(at["value"].iloc[0]),
        }
        if len(at)
        else None
    )
    data = {
        "indicator": indicator_id,
        "date": date.isoformat(),
        "funnel": {"method": method, "comparator": _num(fb.target) if fb else None},
        "practices": rows,
        "networks": networks,
        "programme": total,
        "rows": rows,
    }
    return _answer(request, data, f"{indicator_id}-{date}")


@api_view
def practice_summary(request: HttpRequest, code: str) -> HttpResponse:
    """One of the caller's own practices: every indicator at the latest date, its peers' median
    and quartiles (disclosed figures), SPC verdicts and patients to reach the target."""
    a = request.access  # type: ignore[attr-defined]
    info = a.require_practice(code)
    ws = workspace()
    store = store_for(ws)
    metas = catalogue(store.indicator_ids())
    rows = []
    for r in figures.practice_indicators(ws, store, a, code, metas):
        peers = r.peers
        rows.append(
            {
                "indicator": r.meta.id,
                "title": r.meta.title,
                "numerator": r.numerator,
                "denominator": r.denominator,
                "value": _num(r.value),
                "target": r.meta.target,
                "patients_to_target": r.opportunity,
                "peer_median": peers.median if peers else None,
                "peer_q1": peers.q1 if peers else None,
                "peer_q3": peers.q3 if peers else None,
                "patients_to_peer_q3": figures.patients_to_reach(
                    r.numerator, r.denominator, peers.q3 if peers else None, r.meta.higher_is_better
                ),
                "variation": r.variation,
                "assurance": r.assurance,
            }
        )
    data = {"practice": code, "name": info.name, "date": store.latest_date().isoformat(), "rows": rows}
    return _answer(request, data, f"{code}-summary")


@api_view
def campaigns(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "id": c.pk,
            "name": c.name,
            "indicator": c.indicator_id,
            "start": c.start.isoformat(),
            "end": c.end.isoformat(),
            "target": c.target,
            "status": c.status,
            "progress": reverse("api:campaign", args=[c.pk]),
        }
        for c in visible_campaigns(request.access)  # type: ignore[attr-defined]
    ]
    return _answer(request, {"campaigns": rows, "rows": rows}, "campaigns")


@api_view
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    a = request.access  # type: ignore[attr-defined]
    chosen: Campaign | None = visible_campaigns(a).filter(pk=pk).first()
    if chosen is None:
        raise NotVisible("No such campaign")
    try:
        p = progress_for(chosen.spec(), a, workspace())
    except NoSeries as exc:
        return error(404, str(exc))
    practices = [
        {
            "practice": s.label,
            "own": s.own,
            "rank": s.rank,
            "numerator": s.numerator,
            "denominator": s.denominator,
            "value": s.value,
            "target": s.target,
            "trajectory": s.expected,
            "status": "suppressed" if s.value is None else ("behind" if s.behind else "on track"),
        }
        for s in p.practices
    ]
    weeks = [
        {
            "week": w.date.isoformat(),
            "numerator": w.numerator,
            "denominator": w.denominator,
            "value": w.value,
            "trajectory": w.expected,
            "practices_behind": w.behind,
        }
        for w in p.programme
    ]
    data = {
        "campaign": chosen.pk,
        "name": chosen.name,
        "latest": p.latest.isoformat() if p.latest else None,
        "practices_behind": p.behind_count,
        "weeks": weeks,
        "practices": practices,
        "rows": practices,
    }
    return _answer(request, data, f"campaign-{chosen.pk}")


def openapi(request: HttpRequest) -> HttpResponse:
    """The OpenAPI description (no credentials needed: it holds no data)."""
    return JsonResponse(document(request.build_absolute_uri("/api/v1/")))
