"""A QI project (aim against an indicator, practices, team, change ideas, status, IHI progress
score), its PDSA cycles, annotations on practices' charts, and the append-only history of every
change to any of them (who, when, what changed)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from gpqi.web.governance.models import Network, Practice

# The IHI Improvement Project Assessment Scale (Institute for Healthcare Improvement)
PROGRESS_SCORES = [
    ("0.5", "0.5 Intent to participate"),
    ("1.0", "1.0 Team formed"),
    ("1.5", "1.5 Planning for the project has begun"),
    ("2.0", "2.0 Activity, but no changes"),
    ("2.5", "2.5 Changes tested, but no improvement"),
    ("3.0", "3.0 Modest improvement"),
    ("3.5", "3.5 Improvement"),
    ("4.0", "4.0 Significant improvement"),
    ("4.5", "4.5 Sustainable improvement"),
    ("5.0", "5.0 Outstanding sustainable results"),
]


class Project(models.Model):
    PLANNING, ACTIVE, SUSTAINING, COMPLETED, STOPPED = (
        "planning",
        "active",
        "sustaining",
        "completed",
        "stopped",
    )
    STATUSES = [
        (PLANNING, "Planning"),
        (ACTIVE, "Testing changes"),
        (SUSTAINING, "Sustaining"),
        (COMPLETED, "Completed"),
        (STOPPED, "Stopped"),
    ]

    title = models.CharField(max_length=200)
    indicator_id = models.CharField(max_length=100, help_text="The indicator the aim is written against.")
    aim_from = models.FloatField(help_text="From this value (a percentage, e.g. 55).")
    aim_to = models.FloatField(help_text="To this value (a percentage, e.g. 75).")
    aim_by = models.DateField(help_text="By this date.")
    practices = models.ManyToManyField(Practice, related_name="qi_projects")
    network = models.ForeignKey(
        Network,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="A network's project: its network.",
    )
    team = models.TextField(blank=True, help_text="Team members and their roles, one a line.")
    change_ideas = models.TextField(blank=True, help_text="The changes the team means to test, one a line.")
    status = models.CharField(max_length=12, choices=STATUSES, default=PLANNING)
    progress_score = models.CharField(max_length=3, choices=PROGRESS_SCORES, default="1.0")
    limits_from = models.DateField(
        null=True,
        blank=True,
        help_text="Recalculate the charts' control limits from this date (the change date); blank for none.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "pk"]

    def __str__(self) -> str:
        return self.title

    def practice_codes(self) -> list[str]:
        return sorted(p.code for p in self.practices.all())


class PdsaCycle(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="cycles")
    title = models.CharField(max_length=200, help_text="The change being tested.")
    start = models.DateField(help_text="When the test started (marked on the charts).")
    end = models.DateField(null=True, blank=True)
    plan = models.TextField(blank=True, help_text="Plan: what will you do, and what do you predict?")
    do = models.TextField(blank=True, help_text="Do: what happened?")
    study = models.TextField(blank=True, help_text="Study: what do the data show against the prediction?")
    act = models.TextField(blank=True, help_text="Act: adopt, adapt or abandon?")
    learning = models.TextField(blank=True, help_text="What was learnt.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "pk"]

    def __str__(self) -> str:
        return self.title


class Annotation(models.Model):
    """A note on a practice's charts: of one indicator, or (indicator blank) of all of them."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="annotations")
    indicator_id = models.CharField(max_length=100, blank=True, help_text="Blank: every indicator.")
    date = models.DateField()
    text = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return self.text


class Change(models.Model):
    """One change to a project, cycle or annotation: append-only (never edited or deleted)."""

    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    practice_codes = models.JSONField(default=list)  # whose history it is (for who may read it)
    object_type = models.CharField(max_length=12)  # project | cycle | annotation
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=8)  # created | updated | deleted
    fields = models.JSONField(default=dict)  # field -> [old, new]
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150)  # kept if the user is deleted
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        if self.pk is not None:
            raise ValueError("a recorded change is never edited")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        raise ValueError("a recorded change is never deleted")
