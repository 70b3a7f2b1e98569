from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "gpqi.web.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns: weekly tracking against targets"

    def ready(self) -> None:
        from gpqi.web.campaigns import navigation  # noqa: F401  (registers the header item)
