"""The monthly alerts digest from the web app: subscriptions (the alerts page, an unsubscribe link
in every email), `gpqi alerts` (run monthly by a scheduler, docs/alerts.md) and the page's preview.
Which indicators alert is gpqi.access.alerts'; the email is gpqi.reports.alerts'."""
