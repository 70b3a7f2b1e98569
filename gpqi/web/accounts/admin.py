from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from gpqi.web.accounts.models import CENTRAL_ROLES, PRACTICE_ROLES, Profile, Role


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ("role", "practice", "practices", "network")

    def clean(self) -> dict:
        data = super().clean()
        role = data.get("role")
        if role in PRACTICE_ROLES and not data.get("practice"):
            self.add_error("practice", "Clinicians and practice managers need their practice.")
        if role == Role.FACILITATOR and not data.get("practices"):
            self.add_error("practices", "Facilitators need at least one practice.")
        if role == Role.NETWORK_LEAD and not data.get("network"):
            self.add_error("network", "Network leads need their network.")
        if role in CENTRAL_ROLES and (data.get("practice") or data.get("network")):
            self.add_error(
                "role", "Central roles cover the whole programme: leave practice and network empty."
            )
        return data


class ProfileInline(admin.StackedInline):
    model = Profile
    form = ProfileForm
    can_delete = False
    filter_horizontal = ("practices",)


admin.site.unregister(User)


@admin.register(User)
class GpqiUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ("username", "first_name", "last_name", "role", "is_active")

    @admin.display(description="Role")
    def role(self, obj: User) -> str:
        profile = getattr(obj, "profile", None)
        return profile.get_role_display() if profile else "–"


admin.site.site_header = "gpqi administration"
admin.site.site_title = "gpqi administration"
