"""The read-only JSON/CSV API (`/api/v1/`) on the same gate as the pages (gpqi.access).

    models.py   personal API tokens: stored as SHA-256 hashes, shown once, revocable
    auth.py     `Authorization: Bearer gpqi_...` (or the browser's session) -> the user's Access
    views.py    indicators, results per organisation and date, a practice's summary, campaigns
    openapi.py  the OpenAPI 3.1 description served at /api/v1/openapi.json
    tokens.py   the profile page where users create and revoke their tokens

Patient-level data is never served here: there is no worklist endpoint, and every figure
outside the user's own practices passes the disclosure gate exactly as on the pages.
docs/api.md has curl examples.
"""
