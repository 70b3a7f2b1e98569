from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "gpqi.web.dashboard"
    label = "dashboard"
    verbose_name = "Comparative dashboard"
