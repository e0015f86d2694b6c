from django.contrib import admin

from .models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor_email", "establishment", "target", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_email", "target", "establishment__name"]
    list_select_related = ["establishment"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
