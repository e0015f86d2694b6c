"""The benchmark server's URLconf: the portal's pages, plus the framework's ceilings under
``/banc-essai/`` (bench/views.py). Used only through ``bench.server_settings``."""

from django.urls import include, path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as portal_urlpatterns

from . import views

ceilings = (
    [
        path("fixe/", views.fixed, name="fixed"),
        path("une-ligne/<int:pk>/", views.one_row, name="one_row"),
    ],
    "bench",
)

urlpatterns = [path("banc-essai/", include(ceilings)), *portal_urlpatterns]
