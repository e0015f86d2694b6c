"""Back office of trainings (SPEC M8.3): sessions, participants, « Valider la formation »."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .forms import ParticipantForm
from .models import Participant, Training


def _names(participants):
    return ", ".join(p.full_name for p in participants)


def report_validation(request, result):
    """Tell the back-office user, by name, what the validation did."""
    parts = []
    for participants, singular, plural in (
        (result.created, "%(count)d compte créé", "%(count)d comptes créés"),
        (result.linked, "%(count)d compte existant rattaché", "%(count)d comptes existants rattachés"),
        (result.conflicts, "%(count)d conflit signalé", "%(count)d conflits signalés"),
    ):
        if participants:
            count = len(participants)
            parts.append(f"{ngettext(singular, plural, count) % {'count': count}} ({_names(participants)})")
    messages.success(
        request,
        _("La formation « %(title)s » est validée : %(summary)s.")
        % {"title": result.training.title, "summary": " ; ".join(parts)},
    )
    for participant in result.linked:
        if not participant.account.is_active:
            messages.warning(request, f"{participant.full_name} ({participant.email}) : {participant.outcome_message}")
    for participant in result.conflicts:
        messages.warning(request, f"{participant.full_name} ({participant.email}) : {participant.outcome_message}")


class ValidatedFilter(admin.SimpleListFilter):
    title = _("validée")
    parameter_name = "validee"

    def lookups(self, request, model_admin):
        return [("oui", _("Validées")), ("non", _("À valider"))]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(validated_at__isnull=False)
        if self.value() == "non":
            return queryset.filter(validated_at__isnull=True)
        return queryset


class ParticipantInline(admin.TabularInline):
    """Editable until the training is validated; a record of what validation did afterwards."""

    model = Participant
    form = ParticipantForm
    autocomplete_fields = ["establishment"]
    pending_fields = ["last_name", "first_name", "email", "function", "establishment"]
    validated_fields = [*pending_fields, "outcome", "outcome_message", "account"]

    @staticmethod
    def _validated(obj):
        return obj is not None and obj.is_validated

    def get_fields(self, request, obj=None):
        return self.validated_fields if self._validated(obj) else self.pending_fields

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if self._validated(obj) else (3 if obj is None else 1)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("establishment", "account")

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not self._validated(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._validated(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._validated(obj)


@admin.register(Training)
class TrainingAdmin(admin.ModelAdmin):
    list_display = ["title", "product", "start_date", "end_date", "trainer", "place", "participant_count", "validated"]
    list_filter = ["product", ValidatedFilter]
    search_fields = ["title", "trainer", "place", "participants__email", "participants__last_name"]
    list_select_related = ["product"]
    date_hierarchy = "start_date"
    readonly_fields = ["validated_at", "validated_by"]
    fieldsets = [
        (None, {"fields": ["product", "title", "start_date", "end_date", "trainer", "place", "notes"]}),
        (_("Validation"), {"fields": ["validated_at", "validated_by"]}),
    ]
    inlines = [ParticipantInline]
    actions = ["validate_trainings"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(participant_count=Count("participants"))

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a validated training is a record: deleted one by one, if pending
        return actions

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_validated)

    @admin.display(description=_("participants"), ordering="participant_count")
    def participant_count(self, obj):
        return obj.participant_count

    @admin.display(description=_("validée"), boolean=True, ordering="validated_at")
    def validated(self, obj):
        return obj.is_validated

    def get_urls(self):
        return [
            path(
                "<int:pk>/valider/",
                self.admin_site.admin_view(self.validate_view),
                name="trainings_training_validate",
            ),
            *super().get_urls(),
        ]

    def _validate(self, request, training):
        try:
            result = services.training_validate(training, acting_user=request.user, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return None
        report_validation(request, result)
        return result

    def _confirmation(self, request, trainings, *, from_action):
        items = [
            {"training": training, "plans": None if training.is_validated else services.training_preview(training)}
            for training in trainings
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Valider la formation"),
            "opts": self.model._meta,
            "items": items,
            "from_action": from_action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "invitation_days": settings.ACCOUNT_INVITATION_TIMEOUT // (24 * 3600),
            "can_validate": any(item["plans"] for item in items),
        }
        return TemplateResponse(request, "admin/trainings/training/validate.html", context)

    @admin.action(description=_("Valider la formation"))
    def validate_trainings(self, request, queryset):
        trainings = list(queryset.select_related("product", "validated_by").order_by("start_date", "pk"))
        if request.POST.get("confirm") != "yes":
            return self._confirmation(request, trainings, from_action=True)
        for training in trainings:
            self._validate(request, training)
        return None

    def validate_view(self, request, pk):
        training = get_object_or_404(Training.objects.select_related("product", "validated_by"), pk=pk)
        if not self.has_change_permission(request, training):
            raise PermissionDenied
        if request.method == "POST":
            self._validate(request, training)
            return redirect("admin:trainings_training_change", training.pk)
        return self._confirmation(request, [training], from_action=False)


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    """Who attended what, and what validation did for them. Read-only: participants are entered on
    their training's page."""

    list_display = ["last_name", "first_name", "email", "establishment", "training", "outcome_display", "account"]
    list_filter = ["outcome", "training__product"]
    search_fields = ["email", "last_name", "first_name", "establishment__name", "training__title"]
    list_select_related = ["establishment", "training", "account"]

    @admin.display(description=_("résultat de la validation"), ordering="outcome")
    def outcome_display(self, obj):
        return obj.get_outcome_display() or _("En attente de validation")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
