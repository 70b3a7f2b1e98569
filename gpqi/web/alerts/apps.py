from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "gpqi.web.alerts"
    label = "alerts"
    verbose_name = "Alerts: the monthly digest of indicator changes"

    def ready(self) -> None:
        from gpqi.web.alerts import navigation  # noqa: F401  (registers the header item)
