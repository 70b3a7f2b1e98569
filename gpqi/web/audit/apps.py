from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "gpqi.web.audit"
    label = "audit"
    verbose_name = "Audit of patient-level data"

    def ready(self) -> None:
        from gpqi.web.audit import navigation  # noqa: F401  (registers the header item)
