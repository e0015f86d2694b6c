"""« Téléchargements » (SPEC M6): the files of the products the establishment has an active
contract on, and the download link that checks the right again at each request.

The vendor's staff see the published files of every product (the page says so): they support the
clients and check what was published; they need no contract."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import serving
from .access import get_file_for_user, products_with_files


@login_required
@require_GET
def file_list(request):
    return render(request, "downloads/file_list.html", {"products": products_with_files(request.user)})


@login_required
@require_GET
def file_download(request, uuid):
    return serving.serve(request, get_file_for_user(request.user, uuid))
