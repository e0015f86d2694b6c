"""The DIs in the back office (SPEC M8.2): read-only, since every change goes through
``support.services`` (from the desk); the questionnaire's questions are edited here."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import CannedReply, Message, SurveyAnswer, SurveyQuestion, SurveyResponse, Ticket, TicketEvent


class BackOfficeStyle:
    """The portal's few additions to the admin's style sheet (static/portal/back-office.css)."""

    class Media:
        css = {"all": ["portal/back-office.css"]}


class ReadOnlyMixin:
    """Viewing only: no add, change or delete in the back office."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MessageInline(ReadOnlyMixin, admin.TabularInline):
    model = Message
    fields = ["created_at", "author", "kind", "body"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class TicketEventInline(ReadOnlyMixin, admin.TabularInline):
    model = TicketEvent
    fields = ["created_at", "action", "actor", "from_status", "to_status", "from_user", "to_user", "note"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("historique")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "from_user", "to_user")


@admin.register(Ticket)
class TicketAdmin(BackOfficeStyle, ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "establishment",
        "subject",
        "team",
        "status",
        "owner_display",
        "assignee",
        "created_at",
        "last_activity_at",
    ]
    list_filter = ["status", "team", "awaiting_owner"]
    search_fields = ["number", "subject", "establishment__name"]
    list_select_related = ["establishment", "owner", "assignee"]
    raw_id_fields = ["establishment", "contract", "owner", "author", "assignee", "follows", "merged_into"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    inlines = [MessageInline, TicketEventInline]
    fieldsets = [
        (None, {"fields": ["number", "desk_link", "establishment", "contract", "team", "status", "awaiting_owner"]}),
        (_("Personnes"), {"fields": ["owner", "author", "assignee"]}),
        (_("Liens"), {"fields": ["follows", "merged_into"]}),
        (_("Demande"), {"fields": ["subject", "description", "module", "version", "environment"]}),
        (_("Dates"), {"fields": ["created_at", "last_activity_at", "closure_proposed_at", "closed_at"]}),
    ]
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("establishment", "contract__product", "owner", "author", "assignee")
        )

    @admin.display(description=_("agent"), ordering="owner__last_name")
    def owner_display(self, obj):
        return obj.owner or _("Demande A Reaffecter")

    @admin.display(description=_("guichet support"))
    def desk_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("desk:detail", args=[obj.number]), _("Traiter la DI au guichet support")
        )


@admin.register(TicketEvent)
class TicketEventAdmin(BackOfficeStyle, ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "ticket",
        "action",
        "actor",
        "from_status",
        "to_status",
        "from_user",
        "to_user",
        "note",
    ]
    list_filter = ["action"]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket", "actor", "from_user", "to_user"]
    date_hierarchy = "created_at"
    fields = list_display
    readonly_fields = list_display


class LabelledListEditableMixin:
    """The fields edited in the list get a label naming their row (« Ordre de … »): Django's
    changelist shows them without one, which screen readers cannot announce."""

    def get_changelist_form(self, request, **kwargs):
        base = super().get_changelist_form(request, **kwargs)

        class LabelledForm(base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                for field in self.fields.values():
                    field.widget.attrs["aria-label"] = f"{field.label} — {self.instance}"

        return LabelledForm


@admin.register(CannedReply)
class CannedReplyAdmin(BackOfficeStyle, LabelledListEditableMixin, admin.ModelAdmin):
    """« Réponses types » (M11.4): each team's ready-made answers, offered on the desk's reply form."""

    list_display = ["title", "team", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["team", "is_active"]
    search_fields = ["title", "body"]
    fields = ["team", "title", "body", "position", "is_active"]
    ordering = ["team", "position", "title"]


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(LabelledListEditableMixin, admin.ModelAdmin):
    list_display = ["text", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    fields = ["text", "position", "is_active"]
    ordering = ["position", "pk"]

    def has_delete_permission(self, request, obj=None):
        # Answered questions keep their results: retire them (« posée » unticked) instead.
        if obj is not None and obj.answers.exists():
            return False
        return super().has_delete_permission(request, obj)


class SurveyAnswerInline(ReadOnlyMixin, admin.TabularInline):
    model = SurveyAnswer
    fields = ["question", "rating"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question").order_by("question__position")


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["ticket", "establishment", "product", "respondent", "created_at", "comment_excerpt"]
    list_filter = ["ticket__team", "ticket__contract__product"]
    search_fields = ["ticket__number", "ticket__establishment__name", "comment"]
    list_select_related = ["ticket__establishment", "ticket__contract__product", "respondent"]
    date_hierarchy = "created_at"
    fields = ["ticket", "respondent", "created_at", "comment"]
    readonly_fields = fields
    inlines = [SurveyAnswerInline]

    @admin.display(description=_("établissement"), ordering="ticket__establishment__name")
    def establishment(self, obj):
        return obj.ticket.establishment

    @admin.display(description=_("produit"))
    def product(self, obj):
        return obj.ticket.contract.product

    @admin.display(description=_("commentaire"))
    def comment_excerpt(self, obj):
        return obj.comment[:80] + ("…" if len(obj.comment) > 80 else "")
