"""gpqi.reports: documents made from results for people who are not looking at the dashboard —
the weekly campaign newsletter (`gpqi newsletter`), later the monthly meeting pack.

    newsletter.py  one HTML + plain-text email per recipient, charts as inline PNG (CID parts)
    campaign.py    the campaign chart of a CampaignProgress (page and newsletter)

Built on gpqi.access (the figures each recipient may see); the commands that choose recipients
and send are the web app's (`gpqi newsletter`, gpqi.web.campaigns.newsletters).
"""
