"""`manage.py sync_organisations`: copy practices and networks from the current snapshot."""

from django.core.management.base import BaseCommand

from gpqi.web.governance.sync import sync_organisations
from gpqi.web.ws import workspace


class Command(BaseCommand):
    help = "Copy the current snapshot's practices and networks into the app database."

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        report = sync_organisations(workspace())
        self.stdout.write(
            f"{report.practices_added} practices and {report.networks_added} networks added, "
            f"{report.practices_updated} updated; {report.practices_total} practices in total"
        )
