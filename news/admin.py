from django.contrib import admin

from .models import NewsItem


@admin.register(NewsItem)
class NewsItemAdmin(admin.ModelAdmin):
    list_display = ["title", "published_at", "expires_at", "is_published", "in_banner"]
    list_filter = ["is_published", "in_banner"]
    search_fields = ["title", "body"]
    date_hierarchy = "published_at"
