"""``{% form_field %}`` (core/templatetags/fields.py) writes each field as the portal's forms
always have: label and required mark, input, help and errors tied to the input."""

import re

import pytest
from django import forms
from django.template import engines
from django.utils.translation import gettext_lazy

# The Django template the tag replaced (templates/includes/field.html): the reference markup.
BEFORE = """<div class="field{% if field.errors %} field-error{% endif %}{% if field.field.required %} field-required{% endif %}">
  {% if field.field.widget.input_type == "checkbox" %}
    {{ field }} <label for="{{ field.id_for_label }}">{{ field.label }}</label>
  {% elif field.field.widget.input_type == "radio" %}
    <fieldset><legend>{{ field.label }}</legend>{{ field }}</fieldset>
  {% else %}
    <label for="{{ field.id_for_label }}">{{ field.label }}{% if field.field.required %} <span class="required" aria-hidden="true">*</span>{% endif %}</label>
    {{ field }}
  {% endif %}
  {% if field.help_text %}<p class="help" id="{{ field.auto_id }}_helptext">{{ field.help_text }}</p>{% endif %}
  {% if field.errors %}<div id="{{ field.auto_id }}_error">{% for error in field.errors %}<p class="error">{{ error }}</p>{% endfor %}</div>{% endif %}
</div>"""


class Sample(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nom d'usage"), help_text='Tel qu\'écrit "au registre" <sic>')
    body = forms.CharField(label="Message", required=False, widget=forms.Textarea)
    agree = forms.BooleanField(label="J'accepte")
    kind = forms.ChoiceField(label="Type", choices=[("a", "A & B"), ("b", "C")], widget=forms.RadioSelect)
    team = forms.ChoiceField(label="Équipe", choices=[("", "—"), ("x", "X")], required=False)
    count = forms.IntegerField(label="Nombre", min_value=1)

    def clean_name(self):
        raise forms.ValidationError(["Déjà pris : « O'Neil » <b>", "Trop court"])


def _squeezed(html):
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.parametrize("data", [None, {"name": "x", "body": "", "kind": "z", "count": "0"}])
def test_each_field_is_written_as_the_include_wrote_it(data):
    """M10: same label, required mark, input, help and errors (escaped as Django escapes)"""
    form = Sample(data)
    before = engines["django"].from_string(BEFORE)
    after = engines["django"].from_string("{% form_field field %}")
    for field in form:
        assert _squeezed(after.render({"field": field})) == _squeezed(before.render({"field": field})), field.name


def test_errors_and_help_are_tied_to_the_input_for_screen_readers():
    """M10"""
    html = engines["django"].from_string("{% form_field form.name %}").render({"form": Sample({"name": "x"})})
    assert 'aria-invalid="true" aria-describedby="id_name_helptext id_name_error"' in html
    assert '<div id="id_name_error"><p class="error">Déjà pris : « O&#x27;Neil » &lt;b&gt;</p>' in html
    assert '<p class="help" id="id_name_helptext">Tel qu&#x27;écrit &quot;au registre&quot; &lt;sic&gt;</p>' in html
    assert 'class="field field-error field-required"' in html and 'aria-hidden="true">*</span>' in html
