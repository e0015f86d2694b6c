"""« Téléchargements » (SPEC M6): the files of the products the establishment has an active
contract on, and the download link that checks the right again at each request.

The vendor's staff see the published files of every product (the page says so): they support the
clients and check what was published; they need no contract."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import serving
from .access import entitled_products, get_file_for_user
from .models import DownloadFile


@login_required
@require_GET
def file_list(request):
    newest_first = DownloadFile.objects.published().order_by("-published_on", "-created_at", "-pk")
    products = (
        entitled_products(request.user)
        .order_by("name")
        .prefetch_related(Prefetch("downloads", queryset=newest_first, to_attr="files"))
    )
    return render(request, "downloads/file_list.html", {"products": products})


@login_required
@require_GET
def file_download(request, uuid):
    return serving.serve(request, get_file_for_user(request.user, uuid))
