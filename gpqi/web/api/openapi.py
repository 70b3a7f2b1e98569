"""The OpenAPI 3.1 description of /api/v1/ (served at /api/v1/openapi.json). Written out by hand
(it is short) and checked by the tests against the URLconf, so an endpoint cannot go
undocumented."""

from __future__ import annotations

from typing import Any

FORMAT = {
    "name": "format",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"},
    "description": "csv: the answer's rows as CSV",
}
DATE = {
    "name": "date",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "format": "date"},
    "description": "a reporting date with results (default: the latest)",
}
ERRORS = {
    "401": {"description": "no token, or an unknown or revoked token"},
    "404": {"description": "no such thing, or not in your scope (the two are not told apart)"},
}


def _get(summary: str, params: list[dict[str, Any]] | None = None, description: str = "") -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "description": description,
            "parameters": params or [],
            "security": [{"bearer": []}],
            "responses": {"200": {"description": "OK (JSON, or CSV with format=csv)"}, **ERRORS},
        }
    }


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


PATHS: dict[str, dict[str, Any]] = {
    "/": _get("Your role and own practices, and links to the other endpoints"),
    "/indicators/": _get("Every indicator with results: metadata", [FORMAT]),
    "/indicators/{indicator_id}/": _get(
        "One indicator: metadata, its definition (the YAML as JSON) and its codelists",
        [_path("indicator_id")],
    ),
    "/indicators/{indicator_id}/results/": _get(
        "Results at a date: practices, networks and the programme",
        [
            _path("indicator_id"),
            DATE,
            FORMAT,
            {
                "name": "method",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": ["spiegelhalter", "wilson"], "default": "spiegelhalter"},
            },
        ],
        "Practices outside your own are pseudonymised unless they permit naming, and their counts are "
        "disclosed (7 or fewer hidden, others rounded to 5); network and programme totals are your own "
        "practices' counts plus the others' disclosed. Ranks and funnel flags are computed on raw counts "
        "and are the same for everyone.",
    ),
    "/practices/{code}/summary/": _get(
        "One of your own practices: every indicator, peers' median and quartiles, SPC verdicts",
        [_path("code"), FORMAT],
    ),
    "/campaigns/": _get("Campaigns you may see", [FORMAT]),
    "/campaigns/{pk}/": _get(
        "A campaign's weekly progress and each practice's standing", [_path("pk"), FORMAT]
    ),
}


def document(server: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "gpqi read-only API",
            "version": "1",
            "description": "Indicator results with the same roles, agreements and disclosure control as the "
            "dashboard. Create a personal token on your profile page (Account > API tokens). No patient-level "
            "data is ever served.",
        },
        "servers": [{"url": server.rstrip("/")}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": PATHS,
    }
