from django import forms

from accounts.models import normalize_email

from .models import Participant


class ParticipantForm(forms.ModelForm):
    """A participant as typed in the back office; the e-mail is compared in lower case, so that
    « Jean.Dupont@… » and « jean.dupont@… » are one person (one account, one line)."""

    class Meta:
        model = Participant
        fields = ["last_name", "first_name", "email", "function", "establishment"]

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])
