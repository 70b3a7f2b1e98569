from django.contrib import admin

from gpqi.web.governance.models import (
    Agreement,
    ImprovementProgramme,
    Network,
    Practice,
    ProgrammeChange,
    TargetOverride,
)


class AgreementInline(admin.TabularInline):
    model = Agreement
    extra = 0


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "network", "pseudonym")
    list_filter = ("network",)
    search_fields = ("code", "name", "pseudonym")
    readonly_fields = ("pseudonym",)
    inlines = [AgreementInline]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sub_icb_code", "sub_icb_name")
    search_fields = ("code", "name")


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = (
        "practice",
        "status",
        "start_date",
        "end_date",
        "aggregate_benchmarking",
        "identifiable_comparison",
        "direct_care",
    )
    list_filter = ("status", "aggregate_benchmarking", "identifiable_comparison", "direct_care")
    search_fields = ("practice__code", "practice__name")


@admin.register(TargetOverride)
class TargetOverrideAdmin(admin.ModelAdmin):
    list_display = ("indicator_id", "network", "value")


class ProgrammeChangeInline(admin.TabularInline):
    model = ProgrammeChange
    extra = 0


@admin.register(ImprovementProgramme)
class ImprovementProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "start_date", "indicators")
    filter_horizontal = ("networks",)
    inlines = [ProgrammeChangeInline]
