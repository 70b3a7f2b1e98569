"""Users' roles and scopes. A user's role says what kind of view they need; the scope says which
practices are theirs (their own practice, a facilitator's set, a network, or the programme)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from gpqi.access import scope
from gpqi.web.governance.models import Network, Practice


class Role(models.TextChoices):
    ANALYST = "analyst", "Analyst"
    CLINICIAN = "clinician", "Clinician"
    PRACTICE_MANAGER = "practice_manager", "Practice manager"
    FACILITATOR = "facilitator", "Facilitator"
    NETWORK_LEAD = "network_lead", "Network lead"
    IG_LEAD = "ig_lead", "Information governance lead"
    ADMIN = "admin", "Administrator"


# The role groups are gpqi.access's (the values above are its role names).
CENTRAL_ROLES = scope.CENTRAL_ROLES
PRACTICE_ROLES = scope.PRACTICE_ROLES


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(max_length=20, choices=Role.choices)
    practice = models.ForeignKey(
        Practice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text="Clinicians and practice managers: their practice.",
    )
    practices = models.ManyToManyField(
        Practice, blank=True, related_name="facilitators", help_text="Facilitators: their practices."
    )
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.PROTECT, help_text="Network leads: their network."
    )

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"
