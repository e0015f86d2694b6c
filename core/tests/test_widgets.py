"""core.widgets.PlainSelect writes what Django's Select writes."""

import pytest
from django import forms

from core.widgets import PlainSelect

CHOICES = [("", "Choisissez"), (1, "Alice Agent (Agent)"), (2, 'Léa <b>"L\'ami"</b> & co'), (3, "Zoé")]


@pytest.mark.parametrize("value", [None, "", 2, "3", 99])
@pytest.mark.parametrize(
    "attrs",
    [None, {"id": "id_owner", "required": True, "aria-describedby": "owner_help", "aria-invalid": "true"}],
)
def test_the_plain_select_writes_django_s_markup_byte_for_byte(value, attrs):
    """M10 M11.5: same markup, selected option and escaping as Django's templates"""
    django_s = forms.Select(choices=CHOICES, attrs={"class": "x", "disabled": False})
    plain = PlainSelect(choices=CHOICES, attrs={"class": "x", "disabled": False})
    assert plain.render("owner", value, attrs) == django_s.render("owner", value, attrs)


def test_groups_of_options_are_left_to_django():
    """M10"""
    grouped = [("Équipe", [(1, "Un"), (2, "Deux")]), (3, "Trois")]
    assert PlainSelect(choices=grouped).render("x", 2) == forms.Select(choices=grouped).render("x", 2)


def test_a_model_choice_field_renders_the_same_through_a_bound_form(agent, colleague):
    """M10 M11.5: the form's field, required and with an empty label, as a page shows it"""
    from accounts.models import User

    class Plain(forms.Form):
        owner = forms.ModelChoiceField(User.objects.order_by("pk"), widget=PlainSelect, empty_label="Choisissez")

    class Django(forms.Form):
        owner = forms.ModelChoiceField(User.objects.order_by("pk"), empty_label="Choisissez")

    for data in (None, {"owner": str(colleague.pk)}, {"owner": "nope"}):
        assert str(Plain(data)["owner"]) == str(Django(data)["owner"])


def test_listed_choices_are_django_s_read_in_one_query_without_a_server_side_cursor(agent, colleague):
    """M10: on PostgreSQL, Django's iterator() opened a cursor (DECLARE, FETCH, CLOSE) for a short list"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from core.widgets import ListedModelChoiceField

    listed = ListedModelChoiceField(User.objects.order_by("pk"), empty_label="Choisissez")
    django_s = forms.ModelChoiceField(User.objects.order_by("pk"), empty_label="Choisissez")
    with CaptureQueriesContext(connection) as queries:
        choices = [(str(value), label) for value, label in listed.choices]
    assert choices == [(str(value), label) for value, label in django_s.choices]
    assert len(queries.captured_queries) == 1 and "DECLARE" not in queries.captured_queries[0]["sql"]


def test_a_model_select_reads_its_options_in_one_query_without_counting_them(agent, colleague):
    """M10: list() asked the choices their length first, a COUNT query before the options'"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.forms import CollaboratorChoiceField
    from accounts.models import User

    class Form(forms.Form):
        owner = CollaboratorChoiceField(User.objects.order_by("pk"), empty_label="Choisissez")

    with CaptureQueriesContext(connection) as queries:
        html = str(Form()["owner"])
    assert html.count("<option") == User.objects.count() + 1
    assert len(queries.captured_queries) == 1
    assert "COUNT(" not in queries.captured_queries[0]["sql"].upper()


def test_a_listed_choice_field_writes_django_s_markup(agent, colleague):
    """M10: the report's and the desk's short lists, written without a template per option"""
    from accounts.models import User
    from core.widgets import ListedModelChoiceField

    class Listed(forms.Form):
        owner = ListedModelChoiceField(User.objects.order_by("pk"), required=False, empty_label="Tous")

    class Django(forms.Form):
        owner = forms.ModelChoiceField(User.objects.order_by("pk"), required=False, empty_label="Tous")

    for data in (None, {"owner": str(colleague.pk)}, {"owner": "nope"}):
        assert str(Listed(data)["owner"]) == str(Django(data)["owner"])


def test_listed_rows_are_written_as_the_queryset_s_through_the_prepared_query(agent, colleague, other_agent):
    """M10: « Personne en charge » and « Réorienter » on the desk's DI page list prepared rows"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from core.prepared import Prepared
    from core.widgets import ListedModelChoiceField

    people = Prepared(lambda: User.objects.order_by("last_name", "pk"))
    calls = []

    def listed():
        calls.append(1)
        return people.run()

    class Listed(forms.Form):
        owner = ListedModelChoiceField(User.objects.order_by("last_name", "pk"), empty_label="Choisissez")

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["owner"].listed = listed

    class Django(forms.Form):
        owner = forms.ModelChoiceField(User.objects.order_by("last_name", "pk"), empty_label="Choisissez")

    str(Listed()["owner"])  # the prepared query's shape learned (checked once against the ORM's)
    for data in (None, {"owner": str(colleague.pk)}):
        calls.clear()
        with CaptureQueriesContext(connection) as queries:
            written = str(Listed(data)["owner"])
        assert written == str(Django(data)["owner"])
        listings = [q for q in queries.captured_queries if "ORDER BY" in q["sql"]]
        assert calls == [1] and len(listings) == 1  # (a bound form also validates through the queryset)
    bound = Listed({"owner": str(other_agent.pk)})
    assert bound.is_valid() and bound.cleaned_data["owner"] == other_agent  # validated by the queryset


def test_colleagues_from_the_cache_are_written_as_django_writes_them(agent, colleague, other_agent):
    """M10 M11.5: names escaped once in the cache, the owner left out, a chosen one selected"""
    from accounts.forms import CollaboratorChoiceField
    from accounts.models import User

    colleague.first_name, colleague.last_name = 'Léa <b>"L\'ami"</b>', "& co"
    colleague.save()

    class Cached(forms.Form):
        owner = CollaboratorChoiceField(User.objects.none(), empty_label="Choisissez")

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["owner"].among(agent.establishment_id, exclude_pk=agent.pk)

    class Django(forms.Form):
        owner = forms.ModelChoiceField(
            User.objects.filter(establishment_id=agent.establishment_id, is_active=True)
            .exclude(pk=agent.pk)
            .order_by("last_name", "first_name"),
            empty_label="Choisissez",
        )

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["owner"].label_from_instance = lambda u: f"{u.full_name} ({u.get_role_display()})"

    for data in (None, {"owner": str(colleague.pk)}, {"owner": str(other_agent.pk)}):
        for _twice in (1, 2):  # read, then from the cache
            assert str(Cached(data)["owner"]) == str(Django(data)["owner"])
    written = str(Cached()["owner"])
    assert "&lt;b&gt;" in written and f'value="{colleague.pk}"' in written and f'value="{agent.pk}"' not in written
    assert not Cached({"owner": str(other_agent.pk)}).is_valid()
    assert Cached({"owner": str(colleague.pk)}).is_valid()
