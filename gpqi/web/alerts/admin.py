from django.contrib import admin

from gpqi.web.alerts.models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "active", "updated_at")
    list_filter = ("active",)
    exclude = ("token",)
