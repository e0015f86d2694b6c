"""The whole security log, for the vendor's administrator: filters on the event, the
establishment and a period, search on the author, the object and the IP address. Read-only."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .actions import LABELS, label
from .models import Event


class ActionFilter(admin.SimpleListFilter):
    """The known events, from the code (no query on the log to list them)."""

    title = _("événement")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(((key, str(value)) for key, value in LABELS.items()), key=lambda choice: choice[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class PeriodForm(forms.Form):
    du = forms.DateField(label=_("du"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label=_("au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class PeriodFilter(admin.ListFilter):
    """« du … au … »: whole days, Paris time, both included."""

    title = _("période")
    template = "admin/audit/period_filter.html"
    parameters = ("du", "au")

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        for name in self.parameters:
            if name in params:
                value = params.pop(name)
                self.used_parameters[name] = value[-1] if isinstance(value, list) else value
        self.form = PeriodForm(self.used_parameters or None)

    def has_output(self):
        return True

    def expected_parameters(self):
        return list(self.parameters)

    def choices(self, changelist):
        kept = {key: value for key, value in changelist.params.items() if key not in self.parameters}
        yield {
            "form": self.form,
            "kept": sorted(kept.items()),
            "clear_url": changelist.get_query_string(remove=list(self.parameters)),
            "selected": bool(self.used_parameters),
        }

    def queryset(self, request, queryset):
        if not self.used_parameters or not self.form.is_valid():
            return queryset
        zone = timezone.get_current_timezone()
        start, end = self.form.cleaned_data["du"], self.form.cleaned_data["au"]
        if start:
            queryset = queryset.filter(created_at__gte=timezone.make_aware(datetime.combine(start, time.min), zone))
        if end:
            next_day = datetime.combine(end + timedelta(days=1), time.min)
            queryset = queryset.filter(created_at__lt=timezone.make_aware(next_day, zone))
        return queryset


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action_label", "actor_email", "establishment", "target", "ip_address"]
    list_filter = [ActionFilter, "establishment", PeriodFilter]
    search_fields = ["actor_email", "target", "ip_address", "establishment__name"]
    search_help_text = _(
        "Recherche dans l'identifiant de l'auteur, l'objet, l'adresse IP et le nom de l'établissement."
    )
    list_select_related = ["establishment"]
    date_hierarchy = "created_at"
    list_per_page = 50
    # The log grows without bound: no second COUNT(*) of the whole table on each page.
    show_full_result_count = False
    fields = ["created_at", "action", "actor", "actor_email", "establishment", "target", "ip_address", "data"]
    readonly_fields = fields

    @admin.display(description=_("événement"), ordering="action")
    def action_label(self, event):
        return label(event.action)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
