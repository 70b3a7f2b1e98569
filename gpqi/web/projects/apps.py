from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "gpqi.web.projects"
    label = "projects"
    verbose_name = "QI projects: PDSA cycles and chart annotations"

    def ready(self) -> None:
        from gpqi.web.projects import navigation  # noqa: F401  (registers the header item)
