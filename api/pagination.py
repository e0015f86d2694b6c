"""Cursor pagination (SPEC M15.1): ``?curseur=`` from the ``suivant`` / ``precedent`` links; the
order is the list's sort (the view's ``cursor_ordering``), the id breaking ties."""

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response


class ApiCursorPagination(CursorPagination):
    page_size = 25
    max_page_size = 100
    page_size_query_param = "taille"
    cursor_query_param = "curseur"
    invalid_cursor_message = _("Curseur invalide : reprenez le lien « suivant » d'une réponse.")
    ordering = ("-pk",)

    def get_ordering(self, request, queryset, view):
        chosen = getattr(view, "cursor_ordering", None)
        return tuple(chosen(request)) if chosen else self.ordering

    def get_paginated_response(self, data):
        return Response({"suivant": self.get_next_link(), "precedent": self.get_previous_link(), "resultats": data})

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["suivant", "precedent", "resultats"],
            "properties": {"suivant": link, "precedent": link, "resultats": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "La position dans la liste (lien « suivant » ou « precedent »).",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Le nombre de résultats par page (au plus {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
