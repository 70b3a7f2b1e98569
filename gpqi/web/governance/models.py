"""The programme's organisations and their data-sharing agreements.

Practices and networks are copied from the current snapshot (`sync_organisations`); agreements,
pseudonyms and target overrides are the app's own state and survive re-syncs.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone


class Network(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    sub_icb_code = models.CharField(max_length=32, blank=True)
    sub_icb_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Practice(models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    network = models.ForeignKey(Network, on_delete=models.PROTECT, related_name="practices")
    # Stable: assigned once in random order (so it reveals nothing about the code or name) and
    # never reused or changed by a re-sync.
    pseudonym = models.CharField(max_length=40, unique=True)
    closed = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Agreement(models.Model):
    """A practice's data-sharing agreement with the programme. Only an *active* agreement whose
    dates cover today admits the practice to shared views; the purposes say what it permits."""

    DRAFT, ACTIVE, SUSPENDED, ENDED = "draft", "active", "suspended", "ended"
    STATUSES = [(DRAFT, "Draft"), (ACTIVE, "Active"), (SUSPENDED, "Suspended"), (ENDED, "Ended")]

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="agreements")
    status = models.CharField(max_length=12, choices=STATUSES, default=DRAFT)
    start_date = models.DateField(default=dt.date.today)
    end_date = models.DateField(null=True, blank=True)
    aggregate_benchmarking = models.BooleanField(
        default=True, help_text="The practice's results are compared with peers' (pseudonymised)."
    )
    identifiable_comparison = models.BooleanField(
        default=False, help_text="Peers may see the practice's name next to its results."
    )
    direct_care = models.BooleanField(
        default=False, help_text="Practice staff may see patient-level worklists for direct care."
    )
    notes = models.TextField(blank=True)
    # indexed: every request reads the latest change (gpqi.web.permissions.governance)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["practice__name", "-start_date"]

    def __str__(self) -> str:
        return f"{self.practice.code}: {self.status} from {self.start_date}"

    def is_in_force(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.status == self.ACTIVE
            and self.start_date <= today
            and (self.end_date is None or self.end_date >= today)
        )


class TargetOverride(models.Model):
    """A programme's own target for an indicator (overrides the library's), optionally for one
    network only (the network incentive scheme)."""

    indicator_id = models.CharField(max_length=100)
    network = models.ForeignKey(Network, null=True, blank=True, on_delete=models.CASCADE)
    value = models.FloatField(help_text="A proportion between 0 and 1.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["indicator_id", "network"], name="one_target_per_scope")
        ]

    def __str__(self) -> str:
        scope = self.network.code if self.network else "all networks"
        return f"{self.indicator_id} target {self.value:.0%} ({scope})"


class ImprovementProgramme(models.Model):
    """An improvement programme some networks joined (e.g. a quality-improvement collaborative
    from a start date). Pages name it on its networks and indicators; SPC limits of its networks
    and practices are recalculated at its start and at every recorded change (a rebase), so the
    years before it are judged as their own process."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    start_date = models.DateField(help_text="SPC limits of its networks and practices restart here.")
    networks = models.ManyToManyField(Network, related_name="improvement_programmes")
    indicators = models.CharField(
        max_length=2000,
        blank=True,
        help_text="Comma-separated indicator ids the programme works on (blank: every indicator).",
    )

    class Meta:
        ordering = ["start_date", "name"]

    def __str__(self) -> str:
        return f"{self.name} (from {self.start_date:%d %B %Y})"

    def indicator_ids(self) -> set[str]:
        return {i.strip() for i in self.indicators.split(",") if i.strip()}

    def covers(self, indicator_id: str) -> bool:
        ids = self.indicator_ids()
        return not ids or indicator_id in ids


class ProgrammeChange(models.Model):
    """A recorded change in an improvement programme (a new template, a new incentive): SPC
    limits are recalculated from this date too."""

    programme = models.ForeignKey(ImprovementProgramme, on_delete=models.CASCADE, related_name="changes")
    date = models.DateField()
    description = models.CharField(max_length=300)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.programme.name}: {self.description} ({self.date})"
