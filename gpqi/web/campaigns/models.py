"""A campaign: one indicator tracked week by week from a start to an end date against a target
(for every practice, with optional per-practice overrides), read from a named results series
(`gpqi run --series NAME`). The network lead's tip for the weekly newsletter is kept here too,
with who last edited it."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from gpqi.access.campaigns import CampaignSpec
from gpqi.web.governance.models import Practice

series_name = RegexValidator(
    r"^[a-z0-9][a-z0-9-]{0,63}$", "Use lower-case letters, digits and hyphens (at most 64 characters)."
)
proportion = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class Campaign(models.Model):
    DRAFT, ACTIVE, CLOSED = "draft", "active", "closed"
    STATUSES = [(DRAFT, "Draft"), (ACTIVE, "Active"), (CLOSED, "Closed")]

    name = models.CharField(max_length=200, unique=True)
    indicator_id = models.CharField(max_length=100, help_text="A library indicator, e.g. flu-65.")
    series = models.CharField(
        max_length=64,
        validators=[series_name],
        help_text="The results series the weekly run writes: gpqi run --series NAME.",
    )
    start = models.DateField(help_text="First day of the campaign; the trajectory starts at 0 here.")
    end = models.DateField(help_text="Last day of the campaign.")
    target = models.FloatField(validators=proportion, help_text="Target for every practice, 0 to 1.")
    target_date = models.DateField(
        null=True,
        blank=True,
        help_text="When the target should be reached (the trajectory rises in a straight line to it, "
        "then stays level). Default: the end date.",
    )
    target_source = models.CharField(max_length=300, blank=True, help_text="Where the target comes from.")
    status = models.CharField(max_length=10, choices=STATUSES, default=DRAFT)
    tip = models.TextField(blank=True, help_text="The tip of the week in the newsletter (plain text).")
    tip_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tip_updated_at = models.DateTimeField(null=True, blank=True)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="campaign_newsletters",
        help_text="Users who get the weekly newsletter (each sees their own practice's position).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def reach_by(self):  # noqa: ANN201 - a date
        return self.target_date or self.end

    def clean(self) -> None:
        from gpqi.indicators import IndicatorError, get

        errors: dict[str, str] = {}
        if self.indicator_id:
            try:
                get(self.indicator_id)
            except (IndicatorError, KeyError, LookupError):
                errors["indicator_id"] = f"No indicator {self.indicator_id!r} in the library."
        if self.start and self.end and self.end <= self.start:
            errors["end"] = "The end date must be after the start date."
        if self.target_date and self.start and self.end and not self.start < self.target_date <= self.end:
            errors["target_date"] = "The target date must be after the start and on or before the end."
        if errors:
            raise ValidationError(errors)

    def target_for(self, practice_code: str, overrides: dict[str, float] | None = None) -> float:
        if overrides is None:
            overrides = self.overrides()
        return overrides.get(practice_code, self.target)

    def overrides(self) -> dict[str, float]:
        return {t.practice.code: t.value for t in self.practice_targets.select_related("practice")}

    def spec(self) -> CampaignSpec:
        """What gpqi.access needs of this campaign to work out its progress."""
        from gpqi.indicators import get

        return CampaignSpec(
            pk=self.pk,
            name=self.name,
            indicator_id=self.indicator_id,
            higher_is_better=get(self.indicator_id).higher_is_better,
            series=self.series,
            start=self.start,
            end=self.end,
            target=self.target,
            reach_by=self.reach_by,
            overrides=tuple(sorted(self.overrides().items())),
            version=self.updated_at.isoformat() if self.updated_at else "",
        )


class PracticeTarget(models.Model):
    """A practice's own target in one campaign (instead of the campaign's target)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="practice_targets")
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    value = models.FloatField(validators=proportion, help_text="0 to 1.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "practice"], name="one_target_per_practice_campaign")
        ]

    def __str__(self) -> str:
        return f"{self.practice.code}: {self.value:.0%}"
