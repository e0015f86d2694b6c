from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import Contract, Establishment, Product, ServiceLevel


class ContractInline(admin.TabularInline):
    model = Contract
    extra = 0
    fields = ["product", "reference", "start_date", "end_date", "is_active", "service_level"]


@admin.register(Establishment)
class EstablishmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "city", "department", "finess", "siret", "user_count"]
    list_filter = ["kind", "department"]
    search_fields = ["name", "city", "finess", "siret", "email"]
    inlines = [ContractInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(user_count=Count("users", distinct=True))

    @admin.display(description=_("comptes"), ordering="user_count")
    def user_count(self, obj):
        return obj.user_count


@admin.register(ServiceLevel)
class ServiceLevelAdmin(admin.ModelAdmin):
    """The service levels (SPEC M13.1): targets in the vendor's working hours (settings
    SERVICE_DAYS, SERVICE_HOURS), French public holidays excluded."""

    list_display = ["name", "first_response_hours", "resolution_hours"]
    search_fields = ["name"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "default_service_level"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["reference", "establishment", "product", "start_date", "end_date", "is_active", "service_level"]
    list_filter = ["product", "is_active", "product__kind", "service_level"]
    search_fields = ["reference", "establishment__name"]
    list_select_related = ["establishment", "product", "service_level"]
    autocomplete_fields = ["establishment"]
    date_hierarchy = "start_date"
