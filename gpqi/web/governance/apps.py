from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "gpqi.web.governance"
    label = "governance"
    verbose_name = "Governance: practices, networks and agreements"
