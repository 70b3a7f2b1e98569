from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "gpqi.web.dashboard"
    label = "dashboard"
    verbose_name = "Comparative dashboard"

    def ready(self) -> None:
        from gpqi.web.dashboard import navigation  # noqa: F401  (registers header items)
