"""Admin pages for QI projects (the history is read-only there)."""

from django.contrib import admin

from gpqi.web.projects.models import Annotation, Change, PdsaCycle, Project


class PdsaInline(admin.StackedInline):
    model = PdsaCycle
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("title", "indicator_id", "status", "progress_score", "updated_at")
    list_filter = ("status",)
    search_fields = ("title", "indicator_id")
    filter_horizontal = ("practices",)
    inlines = [PdsaInline]


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ("date", "practice", "indicator_id", "text")


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "object_type", "object_id", "action")

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
