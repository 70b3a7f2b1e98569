"""Who may see what, and the figures they see: the one gate under the web, reports and API.

Plain Python (no Django). The web app, `gpqi.reports` and the API build an `Access` for a user
and only lay out what these modules return; nothing above this package calls `gpqi.stats` or
discloses a count itself. Public surface:

    scope.py       `Access` (a user's own, shared, named and direct-care practices), roles,
                   `Governance`, `scope_for(gov, role, ...)`, `outsider`, `central`
    errors.py      `NotVisible` (404), `Forbidden` (403), `Unauthenticated` (401)
    focus.py       `Focus`: a practice, a network or the programme, parsed once from a string
    disclosure.py  the disclosure gate: `Policy.of(ws)`, `pairs` (a practice's counts), `totals`
                   (own part raw + others disclosed), `list_size`, `rate`; the rule in words
    figures.py     the shared figures of a view, computed once per results version: cohorts,
                   the funnel and its flags, ranks, variation, peer summaries and
                   `patients_to_reach` (e.g. the peer upper quartile), group series and their
                   SPC verdicts, network sums and incentives, peer deciles
    campaigns.py   a campaign's verdicts (behind, rank) on raw counts and a user's
                   `CampaignProgress`; `position_line`
    ranking.py     the one ranking rule (competition ranks on raw values, ties share)
    results.py     `ResultsStore`: read-only queries of the engine's results (DuckDB cache)
    memo.py        `MEMO`: the one per-process memo, keyed on the data's version
    trajectory.py  a campaign's target trajectory
    indicator.py   `IndicatorMeta`: what views need to know of an indicator

docs/architecture.md and docs/governance.md describe the rules.
"""
