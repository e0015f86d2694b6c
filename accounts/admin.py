from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit.services import record
from establishments.models import Establishment

from . import services
from .models import CLIENT_ROLES, AccountRequest, Role, User


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationAdminForm
    form = UserChangeAdminForm
    ordering = ["last_name", "first_name"]
    list_display = ["email", "last_name", "first_name", "establishment", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "establishment__kind"]
    search_fields = ["email", "last_name", "first_name", "establishment__name"]
    list_select_related = ["establishment"]
    autocomplete_fields = ["establishment"]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = []
    actions = ["deactivate_accounts", "activate_accounts"]

    def get_readonly_fields(self, request, obj=None):
        # (De)activation goes through the actions below, which call the same services as the
        # portal (open DIs pass to « Demande A Reaffecter », events recorded).
        return [*self.readonly_fields, "is_active"] if obj is not None and obj.is_client else self.readonly_fields

    def _apply(self, request, queryset, service, done_message):
        done = 0
        for user in queryset.select_related("establishment"):
            try:
                service(user, acting_user=request.user, request=request)
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, f"{user.email} : {' '.join(getattr(error, 'messages', [str(error)]))}")
            else:
                done += 1
        if done:
            messages.success(request, done_message % {"count": done})

    @admin.action(description=_("Désactiver les comptes sélectionnés"))
    def deactivate_accounts(self, request, queryset):
        self._apply(request, queryset, services.user_deactivate, _("%(count)s compte(s) désactivé(s)."))

    @admin.action(description=_("Activer les comptes sélectionnés"))
    def activate_accounts(self, request, queryset):
        self._apply(request, queryset, services.user_activate, _("%(count)s compte(s) activé(s)."))

    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Identité"), {"fields": ["last_name", "first_name", "phone", "function"]}),
        (_("Rattachement"), {"fields": ["establishment", "role", "is_active"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "last_name",
                    "first_name",
                    "establishment",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        )
    ]

    # The security log names the fields changed from the back office, never their values.
    def log_addition(self, request, obj, message):
        record(
            "user_created_in_back_office",
            actor=request.user,
            request=request,
            establishment=obj.establishment,
            target=obj.email,
            role=obj.role,
        )
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        parts = message if isinstance(message, list) else []
        fields = [name for part in parts if "changed" in part for name in part["changed"].get("fields", [])]
        record(
            "user_changed_in_back_office",
            actor=request.user,
            request=request,
            establishment=obj.establishment,
            target=obj.email,
            fields=[str(name) for name in fields],
            role=obj.role,
            is_active=obj.is_active,
        )
        return super().log_change(request, obj, message)


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
