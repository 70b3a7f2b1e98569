"""Builders that run the whole pipeline, above every stage they drive.

    demo.py           `gpqi demo`'s data: synth -> ingest -> engine, and the campaign's series
    demo_campaign.py  the demo flu campaign's weekly results series
    demo_accounts.py  the demo's agreements, logins and campaign (the web app's database)
    bench.py          `gpqi bench`: speed and memory of the engine over a synthetic workspace
    results_only.py   a national-scale workspace of results only (no patients), for load tests
    cli.py            `gpqi demo` and `gpqi bench`

Nothing below imports this package (the import-linter contract in pyproject.toml).
"""
