"""Campaigns: weekly tracking of one indicator against a target trajectory (e.g. flu vaccination
of people aged 65 and over this season), per practice and for the programme, with the network
lead's weekly tip. See docs/campaigns.md.

    models.py     Campaign, PracticeTarget (the app database), validated with field-pointing errors
    trajectory.py the target trajectory rule (pure functions)
    progress.py   a campaign's week-by-week progress as one user may see it (Access rules applied)
    spec.py       campaigns as YAML files (`gpqi campaign create FILE.yaml`), validated by Pydantic
    views.py      the campaign list and page, downloads, the tip form
    panel.py      the home page's panel: the user's practice in each active campaign
    cli.py        `gpqi campaign list|status|create`
"""
