"""The client's tools (M11.5): an owner hands their DI to a colleague; after closure the answers
given to the questionnaire stay readable; « Créer une DI de suite » opens the form prefilled and
links both DIs."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import Event
from support import services, workflow
from support.models import Status, Ticket, TicketEvent
from support.services import TransitionRefused
from testing.personas import make_user
from testing.tickets import close_with_survey, contract_of, file_di, propose_closure, take

# --- Handing a DI over -------------------------------------------------------------------------


@pytest.fixture
def taken(agent, support):
    return take(file_di(agent, subject="Paie de mars"), support)


def test_the_owner_hands_their_di_to_a_colleague(client, agent, colleague, taken):
    """M11.5"""
    client.force_login(agent)
    page = client.get(reverse("support:detail", args=[taken.number])).content.decode()
    assert "Confier à un collègue" in page and f'href="{reverse("support:hand_over", args=[taken.number])}"' in page
    assert colleague.full_name not in page  # the colleagues are listed on the page of « Confier » only
    assert colleague.full_name in _offered(client, taken.number)
    mail.outbox.clear()
    response = client.post(reverse("support:hand_over", args=[taken.number]), {"confier-new_owner": colleague.pk})
    assert response.status_code == 302
    taken.refresh_from_db()
    assert taken.owner == colleague
    event = TicketEvent.objects.get(ticket=taken, action="handed_over")
    assert (event.actor, event.from_user, event.to_user) == (agent, agent, colleague)
    assert Event.objects.filter(action="ticket_handed_over", target=taken.number).exists()
    [message] = mail.outbox
    assert message.to == [colleague.email] and agent.full_name in message.body and taken.number in message.subject
    assert f"/support/dis/{taken.number}/" in message.body
    # It is theirs now: the former owner reads it only.
    page = client.get(reverse("support:detail", args=[taken.number])).content.decode()
    assert "Vous n&#x27;êtes pas propriétaire" in page or "Vous n'êtes pas propriétaire" in page


def test_only_the_owner_hands_over_and_only_to_an_active_colleague(agent, colleague, est_admin, other_agent, taken):
    """M11.5 M10"""
    assert not workflow.can("hand_over", colleague, taken)
    with pytest.raises(TransitionRefused):
        services.ticket_hand_over(taken, acting_user=colleague, new_owner=colleague)
    gone = make_user("parti@alpha.example", agent.establishment, is_active=False)
    for person in (other_agent, gone, agent):
        with pytest.raises(ValidationError):
            services.ticket_hand_over(taken, acting_user=agent, new_owner=person)
    taken.refresh_from_db()
    assert taken.owner == agent


def test_a_colleague_of_another_establishment_is_not_offered(client, agent, other_agent, taken):
    """M11.5 M10"""
    client.force_login(agent)
    response = client.post(reverse("support:hand_over", args=[taken.number]), {"confier-new_owner": other_agent.pk})
    assert response.status_code == 200 and other_agent.full_name not in response.content.decode()
    taken.refresh_from_db()
    assert taken.owner == agent


def _offered(client, number):
    page = client.get(reverse("support:hand_over", args=[number])).content.decode()
    start = page.index('name="confier-new_owner"')
    return page[start : page.index("</select>", start)]


def test_the_colleagues_list_is_read_once_then_kept_until_an_account_changes(client, agent, colleague, taken):
    """M11.5 M10"""
    from accounts.access import forget_colleague_options

    client.force_login(agent)
    offered = _offered(client, taken.number)
    assert colleague.full_name in offered and agent.full_name not in offered  # the owner is not offered
    url = reverse("support:hand_over", args=[taken.number])
    forget_colleague_options(agent.establishment_id)
    first, again = _sql(client, url), _sql(client, url)
    assert [sql for sql in first if _is_colleagues_list(sql)] != []
    assert [sql for sql in again if _is_colleagues_list(sql)] == []  # kept: one query fewer
    assert len(again) == len(first) - 1
    # Renamed or deactivated through the portal: the list is read again at once.
    colleague.last_name = "Renommée"
    colleague.save()
    assert "Renommée" in _offered(client, taken.number)
    colleague.is_active = False
    colleague.save()
    assert colleague.full_name not in _offered(client, taken.number)


def test_a_stale_name_in_the_kept_list_is_refused_when_chosen(client, agent, colleague, taken):
    """M11.5 M10"""
    from accounts.models import User

    client.force_login(agent)
    assert colleague.full_name in _offered(client, taken.number)
    User.objects.filter(pk=colleague.pk).update(is_active=False)  # behind the portal's back: no signal
    assert colleague.full_name in _offered(client, taken.number)  # kept at most COLLEAGUE_OPTIONS_TTL
    response = client.post(reverse("support:hand_over", args=[taken.number]), {"confier-new_owner": colleague.pk})
    assert response.status_code == 200
    assert "Choisissez un compte actif de votre établissement." in response.content.decode()
    taken.refresh_from_db()
    assert taken.owner == agent


def test_each_establishment_keeps_its_own_colleagues_list(client, agent, colleague, other_agent, taken):
    """M10"""
    from accounts.access import colleague_options

    client.force_login(agent)
    _offered(client, taken.number)
    ours = dict(colleague_options(agent.establishment_id))
    theirs = dict(colleague_options(other_agent.establishment_id))
    assert colleague.pk in ours and other_agent.pk not in ours
    assert other_agent.pk in theirs and colleague.pk not in theirs and agent.pk not in theirs


def _sql(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def _is_colleagues_list(sql):
    return '"accounts_user"."is_active"' in sql and '"accounts_user"."role" IN' in sql


def test_the_di_page_lists_no_colleague_and_never_reads_them(client, agent, colleague, taken):
    """M11.5 M3.4: the colleagues (500 in a large hospital) are read by the page of « Confier »,
    not by every view of the DI."""
    from accounts.access import forget_colleague_options

    client.force_login(agent)
    forget_colleague_options(agent.establishment_id)
    queries = _sql(client, reverse("support:detail", args=[taken.number]))
    assert [sql for sql in queries if _is_colleagues_list(sql)] == []
    page = client.get(reverse("support:detail", args=[taken.number])).content.decode()
    assert 'name="confier-new_owner"' not in page and colleague.full_name not in page


def test_the_page_of_confier_names_the_di_its_owner_and_leads_back(client, agent, colleague, taken):
    """M11.5"""
    client.force_login(agent)
    page = client.get(reverse("support:hand_over", args=[taken.number])).content.decode()
    assert f"<h1>Confier la {taken.number} à un collègue</h1>" in page
    assert "Paie de mars" in page and f"Propriétaire actuel : {agent.full_name}" in page
    assert f'href="{reverse("support:detail", args=[taken.number])}" class="button">Revenir à la DI' in page
    assert '<form method="post" novalidate class="form">' in page  # posts to itself


def test_the_page_of_confier_is_refused_to_a_colleague_and_once_the_di_is_cancelled(client, agent, colleague, taken):
    """M11.5 M10"""
    url = reverse("support:hand_over", args=[taken.number])
    client.force_login(colleague)
    response = client.get(url)
    assert response.status_code == 403 and "Action refusée" in response.content.decode()
    assert f'href="{reverse("support:detail", args=[taken.number])}"' in response.content.decode()
    services.ticket_cancel(taken, acting_user=agent, reason="Plus d'actualité.")
    client.force_login(agent)
    assert client.get(url).status_code == 403


def test_a_choice_refused_on_the_page_of_confier_stays_on_it_with_the_error(client, agent, other_agent, taken):
    """M11.5"""
    client.force_login(agent)
    response = client.post(reverse("support:hand_over", args=[taken.number]), {"confier-new_owner": other_agent.pk})
    page = response.content.decode()
    assert response.status_code == 200 and f"<h1>Confier la {taken.number} à un collègue</h1>" in page
    assert 'id="id_confier-new_owner_error"' in page and 'aria-invalid="true"' in page


# --- The questionnaire's answers after closure --------------------------------------------------


def test_after_closure_the_client_and_the_desk_read_the_answers_given(client, agent, colleague, support, taken):
    """M11.5"""
    closed = close_with_survey(taken, support, ratings=[5, 3, 4], comment="Réponse rapide, merci.")
    for user, url in (
        (agent, reverse("support:detail", args=[closed.number])),
        (colleague, reverse("support:detail", args=[closed.number])),
        (support, reverse("desk:detail", args=[closed.number])),
    ):
        client.force_login(user)
        body = client.get(url).content.decode()
        section = body[body.index('id="survey-title"') : body.index("</section>", body.index('id="survey-title"'))]
        assert "5 sur 5" in section and "3 sur 5" in section and "4 sur 5" in section
        assert "Réponse rapide, merci." in section and agent.full_name in section


# --- Follow-up DIs -------------------------------------------------------------------------------


@pytest.fixture
def closed(agent, support):
    return close_with_survey(file_di(agent, subject="Bulletins bloqués"), support, ratings=[4, 4, 4])


def test_a_closed_di_offers_a_follow_up_that_opens_the_form_prefilled(client, colleague, closed):
    """M11.5: any colleague of the establishment may follow it up"""
    client.force_login(colleague)
    detail = client.get(reverse("support:detail", args=[closed.number])).content.decode()
    link = f"{reverse('support:create')}?suite={closed.number}"
    assert f'href="{link}">Créer une DI de suite' in detail
    form = client.get(link).content.decode()
    assert f'value="Suite de {closed.number} : Bulletins bloqués"' in form
    assert f'name="follows" value="{closed.number}"' in form
    assert f'<option value="{closed.contract_id}" selected data-product-kind="software">' in form
    assert f"Cette DI sera la suite de la {closed.number}" in form


def test_the_follow_up_is_linked_to_the_closed_di_and_both_show_the_link(client, colleague, agent, closed):
    """M11.5"""
    client.force_login(colleague)
    response = client.post(
        reverse("support:create"),
        {
            "contract": closed.contract_id,
            "subject": f"Suite de {closed.number} : Bulletins bloqués",
            "description": "Le problème est revenu après la mise à jour.",
            "follows": closed.number,
        },
    )
    new = Ticket.objects.exclude(pk=closed.pk).get()
    assert response.status_code == 302 and new.follows == closed and new.owner == colleague
    page = client.get(reverse("support:detail", args=[new.number])).content.decode()
    assert "Suite de la DI" in page and f'href="{reverse("support:detail", args=[closed.number])}"' in page
    page = client.get(reverse("support:detail", args=[closed.number])).content.decode()
    assert "DI de suite :" in page and f'href="{reverse("support:detail", args=[new.number])}"' in page


def test_only_a_closed_di_of_the_establishment_can_be_followed_up(client, agent, other_agent, support, closed):
    """M11.5 M10"""
    open_di = file_di(agent, subject="Encore ouverte")
    client.force_login(agent)
    assert client.get(reverse("support:create"), {"suite": open_di.number}).status_code == 403
    assert "Créer une DI de suite" not in client.get(reverse("support:detail", args=[open_di.number])).content.decode()
    client.force_login(other_agent)
    assert client.get(reverse("support:create"), {"suite": closed.number}).status_code == 404
    response = client.post(
        reverse("support:create"),
        {
            "contract": contract_of(other_agent.establishment).pk,
            "subject": "x",
            "description": "y",
            "follows": closed.number,
        },
    )
    assert response.status_code == 200 and "introuvable" in response.content.decode()
    with pytest.raises(ValidationError):
        services.ticket_create(
            acting_user=agent, contract=contract_of(agent.establishment), subject="x", description="y", follows=open_di
        )
    assert Ticket.objects.count() == 2


# --- « Clôture à valider » shows its automatic closure ---------------------------------------------


def test_a_closure_to_validate_shows_the_date_of_automatic_closure_on_the_di(client, agent, support, settings):
    """M11.5"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 7
    pending = propose_closure(file_di(agent), support)
    client.force_login(agent)
    body = client.get(reverse("support:detail", args=[pending.number])).content.decode()
    date = pending.automatic_closure_at
    from django.utils import timezone

    local = timezone.localtime(date)
    assert f"sera clôturée automatiquement le {local:%d/%m/%Y}" in body
    assert pending.status == Status.CLOSURE_PENDING and pending.days_before_automatic_closure == 7
