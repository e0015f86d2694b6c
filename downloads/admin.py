"""Downloads in the back office (SPEC M6, M8.2): the vendor publishes files per product; every
change goes through downloads.services, as the demo data does."""

from django.contrib import admin, messages
from django.db.models import Count
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .forms import DownloadFileAdminForm
from .models import DownloadEvent, DownloadFile


@admin.register(DownloadFile)
class DownloadFileAdmin(admin.ModelAdmin):
    form = DownloadFileAdminForm
    list_display = ["name", "product", "version", "published_on", "size_display", "is_published", "download_count"]
    list_filter = ["product", "is_published"]
    search_fields = ["name", "version", "original_name", "sha256", "description", "product__name"]
    list_select_related = ["product"]
    date_hierarchy = "published_on"
    ordering = ["-published_on", "-created_at"]
    actions = ["publish", "withdraw"]
    readonly_fields = ["original_name", "size_display", "sha256", "content_type", "uuid", "created_at", "events_link"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["product", "name", "version", "published_on", "description", "is_published"]}),
            (_("Fichier"), {"fields": ["upload"]}),
        ]
        if obj is not None:
            fieldsets[1][1]["fields"] = ["original_name", "size_display", "sha256", "content_type", "upload"]
            fieldsets.append((_("Suivi"), {"fields": ["uuid", "created_at", "events_link"]}))
        return fieldsets

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(download_total=Count("events"))

    @admin.display(description=_("taille"), ordering="size")
    def size_display(self, obj):
        return filesizeformat(obj.size) if obj.size is not None else "—"

    @admin.display(description=_("téléchargements"), ordering="download_total")
    def download_count(self, obj):
        return obj.download_total

    @admin.display(description=_("téléchargements"))
    def events_link(self, obj):
        url = reverse("admin:downloads_downloadevent_changelist") + f"?file__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Voir le journal des téléchargements de ce fichier"))

    def save_model(self, request, obj, form, change):
        services.download_file_publish(obj, acting_user=request.user, upload=form.cleaned_data.get("upload"))

    def delete_model(self, request, obj):
        services.download_file_delete(obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for download_file in queryset.select_related("product"):
            services.download_file_delete(download_file, acting_user=request.user)

    def _set_published(self, request, queryset, published):
        changed = services.download_file_set_published(queryset, acting_user=request.user, published=published)
        message = (
            ngettext("%(count)d fichier publié.", "%(count)d fichiers publiés.", changed)
            if published
            else ngettext("%(count)d fichier retiré du portail.", "%(count)d fichiers retirés du portail.", changed)
        )
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Publier les fichiers sélectionnés"))
    def publish(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(description=_("Retirer du portail les fichiers sélectionnés"))
    def withdraw(self, request, queryset):
        self._set_published(request, queryset, False)


@admin.register(DownloadEvent)
class DownloadEventAdmin(admin.ModelAdmin):
    """The download log: read-only."""

    list_display = ["created_at", "user_email", "establishment", "file_label", "byte_range_display", "ip_address"]
    list_filter = [("establishment", admin.RelatedOnlyFieldListFilter), ("file", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user_email", "file_label", "establishment__name"]
    list_select_related = ["establishment"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "user",
        "user_email",
        "establishment",
        "file",
        "file_label",
        "first_byte",
        "last_byte",
        "ip_address",
    ]
    readonly_fields = fields

    @admin.display(description=_("octets"))
    def byte_range_display(self, obj):
        return obj.byte_range or _("fichier entier")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
