"""The back office's accounts (« Comptes »): the vendor's administrator creates, edits and
(de)activates every account. (De)activation calls the same services as an establishment's
administrator (open DIs pass to « Demande A Reaffecter », events recorded)."""

from functools import partial

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from audit.services import record

from . import services


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
    list_filter = ["role", "is_active", "is_team_lead", "establishment__kind"]
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
            messages.success(request, done_message(done) % {"count": done})

    @admin.action(description=_("Désactiver les comptes sélectionnés"))
    def deactivate_accounts(self, request, queryset):
        done = partial(ngettext, "%(count)s compte désactivé.", "%(count)s comptes désactivés.")
        self._apply(request, queryset, services.user_deactivate, done)

    @admin.action(description=_("Activer les comptes sélectionnés"))
    def activate_accounts(self, request, queryset):
        done = partial(ngettext, "%(count)s compte activé.", "%(count)s comptes activés.")
        self._apply(request, queryset, services.user_activate, done)

    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Identité"), {"fields": ["last_name", "first_name", "phone", "function"]}),
        (_("Rattachement"), {"fields": ["establishment", "role", "is_team_lead", "is_active"]}),
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
