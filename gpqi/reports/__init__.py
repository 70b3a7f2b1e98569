"""gpqi.reports: documents made from results for people who are not looking at the dashboard —
the weekly campaign newsletter (`gpqi newsletter`), later the monthly meeting pack.

    newsletter.py  one HTML + plain-text email per recipient, charts as inline PNG (CID parts)
    cli.py         `gpqi newsletter --campaign ID [--send] [--to EMAIL ...] [--out DIR]`
"""
