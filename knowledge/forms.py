from django import forms
from django.utils.translation import gettext_lazy as _

from support.forms import MultipleFileField

from .models import Article, ArticleFile
from .services import FILE_EXTENSIONS, check_article_file


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Rechercher dans la base de connaissances"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    produit = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReportFilterForm(forms.Form):
    du = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    au = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("du") and cleaned.get("au") and cleaned["du"] > cleaned["au"]:
            raise forms.ValidationError(_("La date de début doit précéder la date de fin."))
        return cleaned


class FileChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, stored):
        return stored.original_name


class ArticleAdminForm(forms.ModelForm):
    """The back office's article: its fields, files to add (images, documents) and files to remove.
    The files are stored by knowledge.services once the article is saved."""

    uploads = MultipleFileField(
        label=_("Ajouter des images ou des fichiers"),
        help_text=_(
            "Types acceptés : %(types)s. Une fois l'article enregistré, copiez dans le texte le code "
            "Markdown affiché pour chaque fichier."
        )
        % {"types": ", ".join(FILE_EXTENSIONS)},
    )
    remove_files = FileChoiceField(
        label=_("Retirer ces fichiers"),
        queryset=ArticleFile.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Article
        fields = ["product", "title", "body", "tags", "version_from", "version_to", "status"]
        widgets = {"body": forms.Textarea(attrs={"rows": 20, "cols": 100})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["remove_files"].queryset = self.instance.files.all()
        else:
            del self.fields["remove_files"]
        self.fields["uploads"].widget.attrs["accept"] = ",".join(f".{ext}" for ext in FILE_EXTENSIONS)

    def clean_uploads(self):
        uploads = self.cleaned_data.get("uploads") or []
        errors = []
        for upload in uploads:
            try:
                check_article_file(upload)
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return uploads
