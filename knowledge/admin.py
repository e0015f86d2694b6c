"""Articles in the back office (M14.1): written in Markdown with a preview, their images and files,
published or withdrawn; every change goes through knowledge.services."""

from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from . import services
from .forms import ArticleAdminForm
from .markdown import render as render_markdown
from .models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    change_form_template = "knowledge/admin/change_form.html"
    list_display = ["title", "product", "status", "version_display", "updated_at"]
    list_filter = ["status", "product"]
    search_fields = ["title", "tags", "body"]
    list_select_related = ["product"]
    date_hierarchy = "updated_at"
    ordering = ["-updated_at", "-id"]
    actions = ["publish", "withdraw"]
    readonly_fields = ["files_display", "preview", "author", "source_ticket_display", "created_at", "updated_at"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["product", "title", "body", "tags", ("version_from", "version_to"), "status"]}),
            (_("Images et fichiers"), {"fields": ["uploads"]}),
        ]
        if obj is not None:
            fieldsets[1][1]["fields"] = ["files_display", "uploads", "remove_files"]
            fieldsets.append((_("Aperçu de la version enregistrée"), {"fields": ["preview"]}))
            fieldsets.append((_("Suivi"), {"fields": ["author", "source_ticket_display", "created_at", "updated_at"]}))
        return fieldsets

    def get_urls(self):
        preview = self.admin_site.admin_view(require_POST(self.preview_view))
        return [path("apercu/", preview, name="knowledge_article_preview"), *super().get_urls()]

    def preview_view(self, request):
        """« Prévisualiser »: the typed text rendered and sanitised, as the clients will see it;
        nothing is saved."""
        context = {
            **self.admin_site.each_context(request),
            "title": _("Aperçu de l'article"),
            "article_title": request.POST.get("title", ""),
            "html": render_markdown(request.POST.get("body", "")),
            "opts": self.model._meta,
        }
        return render(request, "knowledge/admin/preview.html", context)

    @admin.display(description=_("versions"))
    def version_display(self, obj):
        return obj.version_range or "—"

    @admin.display(description=_("aperçu"))
    def preview(self, obj):
        return format_html('<div class="kb-preview">{}</div>', render_markdown(obj.body))

    @admin.display(description=_("DI d'origine"))
    def source_ticket_display(self, obj):
        if obj.source_ticket_id is None:
            return "—"
        ticket = obj.source_ticket
        return format_html('<a href="{}">{}</a>', reverse("desk:detail", args=[ticket.number]), ticket.number)

    @admin.display(description=_("fichiers de l'article"))
    def files_display(self, obj):
        files = list(obj.files.all())
        if not files:
            return _("Aucun fichier.")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} ({}) — {} <code>{}</code></li>",
                (
                    (
                        stored.original_name,
                        filesizeformat(stored.size),
                        _("à copier dans le texte :"),
                        self._snippet(stored),
                    )
                    for stored in files
                ),
            ),
        )

    @staticmethod
    def _snippet(stored):
        url = reverse("knowledge:file", args=[stored.uuid])
        name = stored.original_name.replace("[", "(").replace("]", ")")
        return f"![{name}]({url})" if stored.is_image else f"[{name}]({url})"

    def save_model(self, request, obj, form, change):
        services.article_save(obj, acting_user=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        with transaction.atomic():
            for stored in form.cleaned_data.get("remove_files") or []:
                services.article_file_delete(stored, acting_user=request.user)
        for upload in form.cleaned_data.get("uploads") or []:
            services.article_file_add(article, upload, acting_user=request.user)

    def delete_model(self, request, obj):
        services.article_delete(obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            services.article_delete(article, acting_user=request.user)

    def _set_status(self, request, queryset, status):
        changed = services.article_set_status(list(queryset), acting_user=request.user, status=status)
        message = (
            ngettext("%(count)d article publié.", "%(count)d articles publiés.", changed)
            if status == Article.Status.PUBLISHED
            else ngettext(
                "%(count)d article repassé en brouillon.", "%(count)d articles repassés en brouillon.", changed
            )
        )
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Publier les articles sélectionnés"))
    def publish(self, request, queryset):
        self._set_status(request, queryset, Article.Status.PUBLISHED)

    @admin.action(description=_("Repasser en brouillon les articles sélectionnés"))
    def withdraw(self, request, queryset):
        self._set_status(request, queryset, Article.Status.DRAFT)
