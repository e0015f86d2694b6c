from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .models import DownloadFile


class DownloadFileAdminForm(forms.ModelForm):
    """The back office's form: the metadata, and the file itself (required when adding).

    The upload is not read here: Django has already spooled a large one to a temporary file, and
    services.download_file_publish hashes it chunk by chunk when saving."""

    upload = forms.FileField(
        label=_("Fichier"),
        required=False,
        help_text=_(
            "Toute taille, jusqu'à plusieurs Go : la taille et l'empreinte SHA-256 sont calculées à l'enregistrement. "
            "En modification, laissez vide pour garder le fichier actuel."
        ),
    )

    class Meta:
        model = DownloadFile
        fields = ["product", "name", "version", "published_on", "description", "is_published"]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is None and self.instance.pk is None:
            raise forms.ValidationError(_("Choisissez le fichier à publier."))
        if upload is not None and upload.size == 0:
            raise forms.ValidationError(_("Le fichier est vide."))
        if upload is not None and upload.size > settings.DOWNLOAD_MAX_SIZE:
            raise forms.ValidationError(
                _("Le fichier dépasse la taille maximale de %(size)s.")
                % {"size": filesizeformat(settings.DOWNLOAD_MAX_SIZE)}
            )
        return upload
