from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from news.models import NewsItem

HOME = reverse("portal:home")


@pytest.fixture
def news(db):
    now = timezone.now()
    return {
        "current": NewsItem.objects.create(
            title="Winpaie 2026.4 disponible", body="Nouveaux taux.", published_at=now - timedelta(days=1)
        ),
        "future": NewsItem.objects.create(title="Annonce à venir", body="…", published_at=now + timedelta(days=2)),
        "expired": NewsItem.objects.create(
            title="Ancienne annonce",
            body="…",
            published_at=now - timedelta(days=30),
            expires_at=now - timedelta(days=1),
        ),
        "draft": NewsItem.objects.create(title="Brouillon", body="…", is_published=False),
    }


def test_home_has_the_header_bar(client, agent):
    """M2.1 M2.2"""
    client.force_login(agent)
    body = client.get(HOME).content.decode()
    assert f'href="{HOME}" class="logo-link"' in body
    for label in ("Tableau de bord", "Mon profil", "Déconnexion", "News"):
        assert label in body
    assert f'action="{reverse("accounts:logout")}"' in body  # logout is a POST form


def test_banner_and_news_page_show_only_current_news(client, agent, news):
    """M2.2"""
    client.force_login(agent)
    for url in (HOME, reverse("portal:news")):
        body = client.get(url).content.decode()
        assert "Winpaie 2026.4 disponible" in body
        for hidden in ("Annonce à venir", "Ancienne annonce", "Brouillon"):
            assert hidden not in body
    assert 'class="ticker-track"' in client.get(HOME).content.decode()


def test_news_are_dated(client, agent, news):
    """M2.2"""
    client.force_login(agent)
    body = client.get(reverse("portal:news")).content.decode()
    assert timezone.localtime(news["current"].published_at).strftime("%d/%m/%Y") in body


def test_side_menu_links_to_the_vendor_site_in_a_new_tab(client, agent, settings):
    """M2.4 M7"""
    settings.VENDOR_SITE_URL = "https://www.cegape.fr"
    client.force_login(agent)
    body = client.get(HOME).content.decode()
    assert 'href="https://www.cegape.fr" target="_blank" rel="noopener noreferrer"' in body
    assert "Site de CEGAPE" in body


def test_back_office_entry_only_for_vendor_admins(client, agent, vendor_admin):
    """M2.4 M8.2"""
    client.force_login(agent)
    assert "Back office" not in client.get(HOME).content.decode()
    client.force_login(vendor_admin)
    assert "Back office" in client.get(HOME).content.decode()


@pytest.mark.parametrize("persona", ["agent", "est_admin", "referent", "support", "legal_support", "vendor_admin"])
def test_every_persona_reaches_home_profile_and_news(client, request, persona):
    """M2.1 M2.3"""
    client.force_login(request.getfixturevalue(persona))
    for url in (HOME, reverse("portal:news"), reverse("accounts:profile")):
        assert client.get(url).status_code == 200


def test_home_runs_a_bounded_number_of_queries(client, agent, news, django_assert_max_num_queries):
    """M2.1"""
    for i in range(20):
        NewsItem.objects.create(title=f"News {i}", body="…")
    client.force_login(agent)
    # 6 for the page and its tiles, 2 for « À faire » (M11.2): the questions, the closures to validate.
    with django_assert_max_num_queries(8):
        assert client.get(HOME).status_code == 200


def test_the_banner_is_read_from_the_cache_and_follows_each_edit(client, agent, news):
    """M2.2 M10: on every page, without a query; an edit in the back office shows at once."""
    client.force_login(agent)
    client.get(reverse("accounts:profile"))
    with CaptureQueriesContext(connection) as page:
        response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert "Winpaie 2026.4 disponible" in response.content.decode()
    assert not any("news_newsitem" in query["sql"] for query in page.captured_queries)
    current = news["current"]
    current.title = "Winpaie 2026.5 disponible"
    current.save()
    body = client.get(reverse("accounts:profile")).content.decode()
    assert "Winpaie 2026.5 disponible" in body and "Winpaie 2026.4" not in body
    current.delete()
    assert "Winpaie 2026.5" not in client.get(reverse("accounts:profile")).content.decode()


def test_the_home_s_latest_news_are_read_from_the_cache_and_follow_each_edit(client, support, news):
    """M2.2 M10: the home page reads no news row; an edit, a withdrawal show at once"""
    client.force_login(support)
    client.get(HOME)
    with CaptureQueriesContext(connection) as page:
        body = client.get(HOME).content.decode()
    assert "<h3>Winpaie 2026.4 disponible</h3>" in body and "Nouveaux taux." in body
    assert not any("news_newsitem" in query["sql"] for query in page.captured_queries)
    for hidden in ("Annonce à venir", "Ancienne annonce", "Brouillon"):
        assert hidden not in body
    current = news["current"]
    current.body = "Nouveaux taux <2026> & barèmes."
    current.save()
    assert "Nouveaux taux &lt;2026&gt; &amp; barèmes." in client.get(HOME).content.decode()
    current.is_published = False
    current.save()
    body = client.get(HOME).content.decode()
    assert "Winpaie 2026.4" not in body and "Aucune news pour le moment." in body


def test_with_the_cache_down_the_banner_is_read_from_the_database(client, agent, news, cache_down):
    """M2.2 M10"""
    client.force_login(agent)
    assert "Winpaie 2026.4 disponible" in client.get(reverse("accounts:profile")).content.decode()


def test_the_top_bar_s_dashboard_link_refreshes_the_tiles_in_place_on_the_home_page_only(client, agent, support):
    """M2.1 M2.3"""
    refresh = f'hx-get="{reverse("support:dashboard")}" hx-target="#dashboard-tiles"'
    client.force_login(agent)
    assert refresh in client.get(HOME).content.decode()
    assert refresh not in client.get(reverse("support:list")).content.decode()
    client.force_login(support)  # no tiles on the support's home
    assert refresh not in client.get(HOME).content.decode()


def test_the_top_bar_s_logout_form_carries_a_token_that_works(agent):
    """M2.1 M10"""
    import re

    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)
    page = browser.get(reverse("support:list")).content.decode()
    [token] = re.findall(
        r'action="/deconnexion/"><input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', page
    )
    assert browser.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": "faux" * 16}).status_code == 403
    assert browser.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token}).status_code == 302
    assert browser.get(reverse("support:list")).status_code == 302  # signed out


def test_the_banner_dates_each_news_in_local_time_and_names_the_person(client, agent, settings):
    """M2.1 M2.2"""
    from datetime import UTC, datetime

    published = datetime(2026, 3, 14, 23, 30, tzinfo=UTC)  # 15 March, 00:30 in Paris
    NewsItem.objects.create(title="Clôture annuelle", body="…", published_at=published)
    client.force_login(agent)
    body = client.get(reverse("support:list")).content.decode()
    assert '<time datetime="2026-03-15T00:30:00+01:00">15/03/2026</time> — Clôture annuelle' in body
    assert f'<p class="whoami">{agent.full_name} · {agent.establishment.name} · Agent d&#x27;établissement</p>' in body


def test_the_frame_is_written_once_per_person_and_page_and_each_request_gets_its_own_token(agent, settings):
    """M2.1 M10: the frame's markup is kept per process; only the CSRF token is put in anew, and
    it works; another page of the menu, a new name or another person get their own frame"""
    import re
    from unittest import mock

    from django.test import Client

    from portal.templatetags import portal

    portal._CHROME.clear()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)
    token_re = r'action="/deconnexion/"><input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"'
    with mock.patch.object(portal, "render_fragment", wraps=portal.render_fragment) as rendered:
        first = browser.get(reverse("support:list")).content.decode()
        second = browser.get(reverse("support:list")).content.decode()
        frames = [call for call in rendered.call_args_list if call.args[0] == "portal/chrome.html"]
        assert len(frames) == 1
        other_page = browser.get(reverse("collaborators:list")).content.decode()
        agent.first_name = "Renommée"
        agent.save(update_fields=["first_name"])
        renamed = browser.get(reverse("support:list")).content.decode()
        frames = [call for call in rendered.call_args_list if call.args[0] == "portal/chrome.html"]
        assert len(frames) == 3
    assert portal._TOKEN_SLOT not in first + second + other_page + renamed
    [token_1], [token_2] = re.findall(token_re, first), re.findall(token_re, second)
    assert token_1 != token_2  # masked anew for each request
    assert 'aria-current="page">Voir les DIs de mon établissement</a>' in first
    assert 'aria-current="page">Collaborateurs</a>' in other_page
    assert "Renommée" in renamed and "Renommée" not in first
    assert browser.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token_1}).status_code == 302


def test_the_kept_frame_follows_each_person_s_access_on_the_same_page(client, agent, est_admin, support, vendor_admin):
    """M2.4 M10: the frames and menus kept per process are told apart by what each person may
    open: the same page gives each its own menu"""
    from portal.templatetags import portal

    portal._CHROME.clear()
    portal._MENU_LINKS.clear()
    menus = {}
    for person in (agent, est_admin, support, vendor_admin, agent):
        client.force_login(person)
        body = client.get(reverse("downloads:list")).content.decode()
        menus.setdefault(person.pk, []).append(
            body[body.index('<nav class="sidemenu"') : body.index("</nav>", body.index('<nav class="sidemenu"'))]
        )
    assert menus[agent.pk][0] == menus[agent.pk][1]
    assert "Journal de sécurité" in menus[est_admin.pk][0] and "Journal de sécurité" not in menus[agent.pk][0]
    assert "Guichet support" in menus[support.pk][0] and "Back office" not in menus[support.pk][0]
    assert "Back office" in menus[vendor_admin.pk][0]
    for menu in (menus[agent.pk][0], menus[est_admin.pk][0], menus[support.pk][0], menus[vendor_admin.pk][0]):
        assert 'aria-current="page">Téléchargements</a>' in menu
