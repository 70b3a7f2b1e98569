"""Admin pages for campaigns: the analyst's full set-up (also possible from a YAML file with
`gpqi campaign create`)."""

from django.contrib import admin

from gpqi.web.campaigns.models import Campaign, PracticeTarget


class PracticeTargetInline(admin.TabularInline):
    model = PracticeTarget
    extra = 0
    autocomplete_fields = ("practice",)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "indicator_id", "series", "start", "end", "target", "status")
    list_filter = ("status",)
    search_fields = ("name", "indicator_id", "series")
    filter_horizontal = ("recipients",)
    readonly_fields = ("tip_updated_by", "tip_updated_at", "created_at", "updated_at")
    inlines = [PracticeTargetInline]
