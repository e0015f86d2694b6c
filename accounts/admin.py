from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from establishments.models import Establishment

from . import services
from .models import CLIENT_ROLES, AccountRequest, Role, User


class ApproveForm(forms.Form):
    establishment = forms.ModelChoiceField(Establishment.objects.all(), label=_("Établissement"))
    role = forms.ChoiceField(
        label=_("Profil"), choices=[(r.value, r.label) for r in CLIENT_ROLES], initial=Role.REFERENT
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Envoyé au demandeur par mail."),
    )


@admin.register(AccountRequest)
class AccountRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "last_name", "first_name", "email", "establishment_name", "kind", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["email", "last_name", "first_name", "establishment_name"]
    date_hierarchy = "created_at"
    list_select_related = ["reviewed_by", "account"]
    readonly_fields = [
        "kind",
        "first_name",
        "last_name",
        "email",
        "phone",
        "establishment_name",
        "function",
        "message",
        "status",
        "created_at",
        "reviewed_at",
        "reviewed_by",
        "rejection_reason",
        "account",
        "review_links",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Décision"))
    def review_links(self, obj):
        if obj.status != AccountRequest.Status.PENDING:
            return obj.get_status_display()
        return format_html(
            '<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
            reverse("admin:accounts_accountrequest_approve", args=[obj.pk]),
            _("Approuver"),
            reverse("admin:accounts_accountrequest_reject", args=[obj.pk]),
            _("Refuser"),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/approuver/",
                self.admin_site.admin_view(self.approve_view),
                name="accounts_accountrequest_approve",
            ),
            path(
                "<int:pk>/refuser/", self.admin_site.admin_view(self.reject_view), name="accounts_accountrequest_reject"
            ),
            *super().get_urls(),
        ]

    def _decide(self, request, pk, form_class, action, title):
        account_request = get_object_or_404(AccountRequest, pk=pk)
        if not self.has_change_permission(request, account_request):
            return redirect("admin:index")
        existing = User.objects.filter(email=account_request.email).select_related("establishment").first()
        initial = {}
        if existing is not None and existing.establishment_id:
            initial = {"establishment": existing.establishment_id, "role": existing.role}
        else:
            match = Establishment.objects.filter(name__iexact=account_request.establishment_name).first()
            if match:
                initial = {"establishment": match.pk}
        form = form_class(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                action(account_request, acting_user=request.user, **form.cleaned_data)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("La demande a été traitée et le demandeur prévenu par mail."))
                return redirect("admin:accounts_accountrequest_change", pk)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "account_request": account_request,
            "existing": existing,
            "opts": self.model._meta,
            "original": account_request,
        }
        return TemplateResponse(request, "admin/accounts/accountrequest/decide.html", context)

    def approve_view(self, request, pk):
        return self._decide(request, pk, ApproveForm, services.account_request_approve, _("Approuver la demande"))

    def reject_view(self, request, pk):
        return self._decide(request, pk, RejectForm, services.account_request_reject, _("Refuser la demande"))


# django-axes' journal of login attempts, in French: its « Status » column has no translatable name.
if admin.site.is_registered(AccessAttempt):

    class AccessAttemptFrenchAdmin(AccessAttemptAdmin):
        @admin.display(description=_("état"))
        def status(self, obj):
            return super().status(obj)

    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AccessAttemptFrenchAdmin)
