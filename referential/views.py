"""« Import du référentiel » (SPEC M15.3): the vendor's administrators upload a CSV file, check it
with a dry run, then import it; the report names each wrong line."""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core.guards import vendor_admin_required

from .forms import ImportForm
from .models import Kind
from .services import columns, referential_import_csv


@vendor_admin_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = referential_import_csv(
            form.cleaned_data["kind"],
            form.cleaned_data["file"].read(),
            acting_user=request.user,
            dry_run=form.cleaned_data["dry_run"],
            request=request,
        )
    kinds = [(kind.label, columns(kind)) for kind in Kind]
    return render(request, "referential/import.html", {"form": form, "report": report, "kinds": kinds})
