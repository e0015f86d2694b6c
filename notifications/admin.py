from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import OutgoingEmail
from .services import email_deliver


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    # The body's text and HTML (shared with the e-mail's other recipients) rather than a link to it.
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields if f.name != "body"] + ["body_text", "body_html"]
    actions = ["retry_now"]

    @admin.display(description=_("texte"))
    def body_text(self, obj):
        return obj.body_text

    @admin.display(description=_("HTML"))
    def body_html(self, obj):
        return obj.body_html

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Renvoyer maintenant"))
    def retry_now(self, request, queryset):
        # Not those being sent right now (a worker holds them; a dead worker's are retried by themselves).
        pks = list(
            queryset.exclude(status__in=[OutgoingEmail.Status.SENT, OutgoingEmail.Status.SENDING]).values_list(
                "pk", flat=True
            )
        )
        OutgoingEmail.objects.filter(pk__in=pks).update(
            status=OutgoingEmail.Status.PENDING, next_attempt_at=timezone.now()
        )
        sent = sum(1 for pk in pks if email_deliver(pk))
        messages.info(
            request,
            ngettext("%(sent)s mail envoyé sur %(total)s.", "%(sent)s mails envoyés sur %(total)s.", sent)
            % {"sent": sent, "total": len(pks)},
        )
