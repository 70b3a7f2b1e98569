from django.apps import AppConfig


class EditorConfig(AppConfig):
    name = "gpqi.web.editor"
    label = "editor"
    verbose_name = "Indicator editor"

    def ready(self) -> None:
        from gpqi.web.editor import navigation  # noqa: F401  (registers the header item)
