from django.apps import AppConfig


class WorklistsConfig(AppConfig):
    name = "gpqi.web.worklists"
    label = "worklists"
    verbose_name = "Patient worklists (direct care)"

    def ready(self) -> None:
        from gpqi.web.worklists import navigation  # noqa: F401  (registers the header item)
