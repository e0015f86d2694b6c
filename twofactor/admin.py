"""Back office: who has 2FA, and « Désactiver la double authentification » for a lost phone.

Replaces django-otp's own pages, which would show (and let edit) the secrets and recovery codes."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class Enrolment(TOTPDevice):
    class Meta:
        proxy = True
        verbose_name = _("double authentification")
        verbose_name_plural = _("double authentification")


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["account", "user_role", "enrolled_at", "last_used"]
    list_select_related = ["user"]
    list_filter = ["user__role"]
    search_fields = ["user__email", "user__last_name", "user__first_name"]
    ordering = ["user__last_name", "user__first_name"]
    actions = ["disable"]
    fields = ["account", "enrolled_at", "last_used"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(confirmed=True)

    @admin.display(description=_("compte"), ordering="user__last_name")
    def account(self, obj):
        return obj.user

    @admin.display(description=_("activée le"), ordering="created_at")
    def enrolled_at(self, obj):
        return obj.created_at

    @admin.display(description=_("dernière utilisation"), ordering="last_used_at")
    def last_used(self, obj):
        return obj.last_used_at

    @admin.display(description=_("profil"))
    def user_role(self, obj):
        return obj.user.get_role_display()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Désactiver la double authentification (téléphone perdu)"))
    def disable(self, request, queryset):
        done = 0
        for device in queryset.select_related("user"):
            try:
                services.twofactor_disable(device.user, acting_user=request.user, request=request)
                done += 1
            except ValidationError as error:
                self.message_user(request, "; ".join(error.messages), messages.ERROR)
        self.message_user(
            request,
            ngettext(
                "Double authentification désactivée pour %(count)d compte (prévenu par mail).",
                "Double authentification désactivée pour %(count)d comptes (prévenus par mail).",
                done,
            )
            % {"count": done},
        )
