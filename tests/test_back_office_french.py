"""The back office is entirely French (M11.8): every model it shows — registered or shown inline,
the two-factor and audit models included — and every field of it has a French name, never the
English one Django derives from the class or field name; the messages after an addition, a change
or a deletion are plain French."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, get_fields_from_path, label_for_field
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.text import camel_case_to_spaces

from news.models import NewsItem

# Words that are the same in French and in English: a field so named is French as it is.
SAME_IN_FRENCH = {"action", "article", "code", "contact", "date", "description", "message", "module", "notes"}
SAME_IN_FRENCH |= {"participant", "permissions", "position", "question", "type", "version", "actions", "id"}


def _admin_models():
    """Every model of the back office: registered, or shown inline in a registered one."""
    models = {}
    for model, model_admin in admin.site._registry.items():
        models[model] = model_admin
        for inline in model_admin.inlines:
            models.setdefault(inline.model, inline)
    return models


def _is_project_model(model):
    return not model.__module__.startswith(("django.", "axes.", "django_otp."))


def _english_default(name):
    return name.replace("_", " ").strip()


def test_every_back_office_model_has_a_french_name():
    """M11.8"""
    with translation.override("fr"):
        for model in _admin_models():
            opts = model._meta
            derived = camel_case_to_spaces(opts.object_name)
            name, plural = str(opts.verbose_name), str(opts.verbose_name_plural)
            if _is_project_model(model):
                assert "verbose_name" in opts.original_attrs, f"{opts.label} has no verbose_name"
                assert "verbose_name_plural" in opts.original_attrs, f"{opts.label} has no verbose_name_plural"
            assert name not in (derived, opts.model_name) or name in SAME_IN_FRENCH, f"{opts.label}: « {name} »"
            assert plural != f"{derived}s" or name in SAME_IN_FRENCH, f"{opts.label}: « {plural} »"


def test_every_field_of_the_back_office_has_a_french_name():
    """M11.8"""
    untranslated = []
    with translation.override("fr"):
        for model in _admin_models():
            for field in model._meta.get_fields():
                if not hasattr(field, "verbose_name") or field.auto_created or not _is_project_model(field.model):
                    continue
                explicit = field._verbose_name is not None
                name = str(field.verbose_name)
                if not explicit or (name == _english_default(field.name) and name not in SAME_IN_FRENCH):
                    untranslated.append(f"{model._meta.label}.{field.name}: « {name} »")
    assert not untranslated, "\n".join(untranslated)


def _shown_labels(model_admin, request):
    """(name, label) of what a page of the back office shows: list columns and filters, the fields
    of its form."""
    model = model_admin.model
    names = [name for name in model_admin.get_list_display(request) if name not in ("__str__", "action_checkbox")]
    names += list(model_admin.get_readonly_fields(request))
    if model_admin.has_add_permission(request) or model_admin.has_change_permission(request):
        names += flatten_fieldsets(model_admin.get_fieldsets(request))
    form = model_admin.get_form(request)() if model_admin.has_add_permission(request) else None
    shown = []
    for name in dict.fromkeys(names):
        if not isinstance(name, str):
            continue
        if form is not None and name in form.fields and form.fields[name].label:  # as the form page shows it
            shown.append((name, str(form.fields[name].label)))
        else:
            shown.append((name, str(label_for_field(name, model, model_admin, form=form))))
    for entry in model_admin.get_list_filter(request):
        if isinstance(entry, str):
            field = get_fields_from_path(model, entry)[-1]
            shown.append((entry.split("__")[-1], str(getattr(field, "verbose_name", entry))))
        elif isinstance(entry, tuple):
            field = get_fields_from_path(model, entry[0])[-1]
            shown.append((entry[0].split("__")[-1], str(field.verbose_name)))
    return shown


@pytest.mark.django_db
def test_every_column_filter_and_field_the_back_office_shows_is_french(rf, vendor_admin):
    """M11.8"""
    request = rf.get("/back-office/")
    request.user = vendor_admin
    english = []
    with translation.override("fr"):
        for model_admin in admin.site._registry.values():
            for name, label in _shown_labels(model_admin, request):
                if label.lower() == _english_default(name) and label.lower() not in SAME_IN_FRENCH:
                    english.append(f"{model_admin.model._meta.label}: {name} « {label} »")
    assert not english, "\n".join(english)


@pytest.mark.django_db
def test_the_back_office_says_in_french_what_it_added_changed_and_deleted(client, vendor_admin):
    """M11.8"""
    client.force_login(vendor_admin)
    response = client.post(
        reverse("admin:news_newsitem_add"),
        {
            "title": "Maintenance",
            "body": "Le portail sera fermé samedi.",
            "published_at_0": "01/12/2026",
            "published_at_1": "08:00:00",
            "is_published": "on",
            "in_banner": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    item = NewsItem.objects.get(title="Maintenance")
    added = [strip_tags(str(m)) for m in get_messages(response.wsgi_request)]
    assert added == ["Ajout enregistré : actualité « Maintenance »."]

    response = client.post(reverse("admin:news_newsitem_delete", args=[item.pk]), {"post": "yes"}, follow=True)
    deleted = [strip_tags(str(m)) for m in response.context["messages"]]
    assert deleted[-1:] == ["Suppression effectuée : actualité « Maintenance »."]


ENGLISH = re.compile(r"\b(the|and|this|should|whether|Designates|Required|letters|digits|only|will|your)\b")


@pytest.mark.django_db
def test_every_help_text_of_the_back_office_forms_is_french(rf, vendor_admin):
    """M11.8"""
    request = rf.get("/back-office/")
    request.user = vendor_admin
    english = []
    with translation.override("fr"):
        for model_admin in admin.site._registry.values():
            if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
                continue
            for name, field in model_admin.get_form(request)().fields.items():
                if ENGLISH.search(str(field.help_text or "")):
                    english.append(f"{model_admin.model._meta.label}.{name}: « {field.help_text} »")
    assert not english, "\n".join(english)
