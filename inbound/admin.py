from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import InboundMail
from .services import inbound_mail_retry


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    """The mails read from the replies' mailbox; those in error can be read again."""

    list_display = ["received_at", "sender", "subject", "status", "ticket", "reason"]
    list_filter = ["status"]
    search_fields = ["message_id", "sender", "subject"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in InboundMail._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the Message-ID must stay known: a deleted row would let the mail in twice

    @admin.action(description=_("Réessayer"))
    def retry(self, request, queryset):
        count = inbound_mail_retry(list(queryset), acting_user=request.user)
        messages.info(
            request,
            ngettext(
                "%(count)s message en erreur sera relu à la prochaine lecture de la boîte.",
                "%(count)s messages en erreur seront relus à la prochaine lecture de la boîte.",
                count,
            )
            % {"count": count},
        )
