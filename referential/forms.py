from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kind

MAX_FILE_SIZE = 20 * 1024 * 1024


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Référentiel"), choices=Kind.choices)
    file = forms.FileField(label=_("Fichier CSV"), help_text=_("Séparateur « ; » ou « , », UTF-8 ou Windows-1252."))
    dry_run = forms.BooleanField(
        label=_("Simulation : vérifier et compter sans rien enregistrer"), required=False, initial=True
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_SIZE:
            raise forms.ValidationError(_("Le fichier dépasse 20 Mo : découpez-le."))
        return upload
