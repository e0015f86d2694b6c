"""The signed-in user kept in the shared cache (accounts/signed_in.py, accounts/sessions.py): no
query for them on a page, and every change of their rows seen at the very next request."""

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import sessions as session_engine
from accounts import signed_in
from accounts.models import Role
from testing.twofactor import enrol, log_in_with_code

HOME = reverse("portal:home")
HELP = reverse("portal:help")
LOGIN = reverse("accounts:login")


def tables_read(queries):
    return " ".join(q["sql"] for q in queries)


def login_settled(client, user):
    """Signed in, the login's own change of the row (last_login) past its tombstone's seconds."""
    client.force_login(user)
    cache.delete(signed_in.key(user.pk))


def test_a_page_reads_the_signed_in_user_and_their_enrolment_from_the_cache(client, agent, settings):
    """M10: the user, their establishment and the two-factor check cost no query once cached"""
    settings.TWO_FACTOR_ENFORCED = True
    login_settled(client, agent)
    assert client.get(HELP).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(HELP)
    assert response.status_code == 200 and agent.full_name in response.content.decode()
    read = tables_read(queries.captured_queries)
    assert "accounts_user" not in read and "otp_totp_totpdevice" not in read


def test_a_change_of_name_or_role_shows_at_the_next_request(client, agent):
    """M10 M4: a cached user is forgotten when their row is saved"""
    client.force_login(agent)
    assert client.get(HOME).status_code == 200
    agent.first_name, agent.role = "Alix", Role.ADMIN
    agent.save()
    body = client.get(HOME).content.decode()
    assert "Alix" in body and agent.get_role_display() in body


def test_a_renamed_establishment_shows_at_the_next_request(client, agent, est_a):
    """M10 M5: a cached user is forgotten when their establishment is saved"""
    client.force_login(agent)
    assert client.get(HOME).status_code == 200
    est_a.name = "Hôpital renommé de Bourg"
    est_a.save()
    assert "Hôpital renommé de Bourg" in client.get(HOME).content.decode()


def test_an_enrolment_from_elsewhere_ends_a_session_not_verified_by_a_code(client, agent, settings):
    """M1.1 M10: the enrolment cached with the user is forgotten when a device is saved"""
    settings.TWO_FACTOR_ENFORCED = True
    client.force_login(agent)
    assert client.get(HOME).status_code == 200
    enrol(agent)
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_row_read_before_a_change_is_not_put_back_after_it(agent, monkeypatch):
    """M10: a request that read the user just before a change cannot cache the old row"""
    read = signed_in._read

    def read_then_someone_changes_the_row(user_id):
        before = read(user_id)
        agent.first_name = "Changé"
        agent.save()
        return before

    monkeypatch.setattr(signed_in, "_read", read_then_someone_changes_the_row)
    assert signed_in.load(agent.pk).first_name == "Alice"  # what that request read
    monkeypatch.setattr(signed_in, "_read", read)
    assert signed_in.load(agent.pk).first_name == "Changé"  # the next one reads the change


def test_the_cache_unreachable_the_user_is_read_from_the_database(agent, monkeypatch):
    """M10: a cache error never refuses a signed-in user"""

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "add", down)
    assert signed_in.load(agent.pk) == agent


def test_a_deleted_user_is_forgotten(agent, est_a):
    """M10"""
    assert signed_in.load(agent.pk) == agent
    pk = agent.pk
    agent.delete()
    assert signed_in.load(pk) is None


@pytest.fixture
def production_sessions(settings):
    settings.SESSION_ENGINE = "accounts.sessions"
    session_engine._users_of_sessions.clear()
    yield
    session_engine._users_of_sessions.clear()


@pytest.fixture
def cache_calls(monkeypatch):
    """The cache lookups made by the code (the per-process cache's get_many calls its own get)."""
    calls, depth = [], [0]
    backend = caches["default"]
    for name in ("get", "get_many"):
        original = getattr(backend, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            if not depth[0]:
                calls.append((_name, args[0]))
            depth[0] += 1
            try:
                return _original(*args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(backend, name, counted)
    return calls


def test_the_session_and_its_user_come_in_one_cache_lookup(client, agent, production_sessions, cache_calls):
    """M10: production's session engine asks the cache for the session and its user together"""
    login_settled(client, agent)
    assert client.get(HELP).status_code == 200  # this worker learns whose session it is
    cache_calls.clear()
    response = client.get(HELP)
    assert response.status_code == 200 and agent.full_name in response.content.decode()
    lookups = [(name, keys) for name, keys in cache_calls if name == "get_many" or "signed-in-user" in str(keys)]
    assert lookups == [("get_many", [lookups[0][1][0], signed_in.key(agent.pk)])]


def test_a_wrong_guess_of_the_session_owner_is_not_used(client, agent, colleague, production_sessions):
    """M10 M1.1: what the engine brought for another user is never taken for the session's"""
    client.force_login(agent)
    assert client.get(HELP).status_code == 200
    signed_in.load(colleague.pk)  # the colleague's copy is in the cache
    session_engine._users_of_sessions[client.session.session_key] = str(colleague.pk)
    body = client.get(HELP).content.decode()
    assert agent.full_name in body and colleague.full_name not in body


def test_with_the_production_engine_a_change_still_shows_at_the_next_request(client, agent, production_sessions):
    """M10 M1.1: deactivation ends the session, a rename shows at once"""
    client.force_login(agent)
    assert client.get(HOME).status_code == 200
    assert client.get(HOME).status_code == 200
    agent.first_name = "Alix"
    agent.save()
    assert "Alix" in client.get(HOME).content.decode()
    agent.is_active = False
    agent.save()
    response = client.get(HOME)
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_session_verified_by_a_code_takes_its_device_from_the_cache(client, support, captcha, settings):
    """M1.1 M10: the device that verified the session is among those cached with the user"""
    settings.TWO_FACTOR_ENFORCED = True
    enrol(support)
    assert log_in_with_code(client, captcha, support).status_code == 302
    cache.delete(signed_in.key(support.pk))
    assert client.get(HELP).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(HELP)
    assert response.status_code == 200 and response.wsgi_request.user.is_verified()
    assert "otp_totp_totpdevice" not in tables_read(queries.captured_queries)
    assert "key" not in response.wsgi_request.user.otp_device.__dict__  # no secret in the cache


def test_a_removed_device_no_longer_verifies_the_session(client, support, captcha, settings):
    """M1.1 M10: the cached devices are forgotten when one is deleted"""
    settings.TWO_FACTOR_ENFORCED = True
    enrol(support)
    assert log_in_with_code(client, captcha, support).status_code == 302
    assert client.get(HELP).status_code == 200
    for device in TOTPDevice.objects.filter(user=support):
        device.delete()
    response = client.get(HELP)
    assert response.status_code == 302 and response.url == reverse("twofactor:setup")


def test_the_copy_is_kept_as_plain_values_and_comes_back_as_the_same_rows(agent, settings):
    """M10: the cached copy holds no model instance; read back, it equals the database's rows"""
    import pickle

    settings.TWO_FACTOR_ENFORCED = True
    enrol(agent)
    cache.delete(signed_in.key(agent.pk))
    signed_in.load(agent.pk)
    raw = cache.get(signed_in.key(agent.pk))
    assert isinstance(raw, bytes) and b"django" not in raw and b"accounts" not in raw and b"otp" not in raw
    db, values, establishment_values, device_values = pickle.loads(raw)
    assert values["email"] == agent.email and establishment_values["id"] == agent.establishment_id
    assert {type(v) for d in (values, establishment_values, *device_values) for v in d.values()} <= {
        int,
        str,
        bool,
        type(None),
        type(agent.date_joined),
    }
    with CaptureQueriesContext(connection) as queries:
        copy = signed_in.load(agent.pk)
        fields = {f.attname: getattr(copy, f.attname) for f in type(agent)._meta.concrete_fields}
        establishment = copy.establishment
        devices = copy.confirmed_devices
    assert len(queries) == 0
    fresh = type(agent).objects.select_related("establishment").get(pk=agent.pk)
    assert fields == {f.attname: getattr(fresh, f.attname) for f in type(agent)._meta.concrete_fields}
    assert establishment == fresh.establishment and establishment.name == fresh.establishment.name
    assert [d.pk for d in devices] == list(
        TOTPDevice.objects.filter(user=agent, confirmed=True).values_list("pk", flat=True)
    )
    assert copy.enrolled_when_loaded is True
    assert not copy._state.adding and copy._state.db == "default"
    copy.first_name = "Renommée"
    copy.save(update_fields=["first_name"])  # an instance like any other
    assert type(agent).objects.get(pk=agent.pk).first_name == "Renommée"


def test_a_vendor_s_copy_knows_they_belong_to_no_establishment(support):
    """M10: no establishment read back as none, without a query"""
    cache.delete(signed_in.key(support.pk))
    signed_in.load(support.pk)
    with CaptureQueriesContext(connection) as queries:
        assert signed_in.load(support.pk).establishment is None
    assert len(queries) == 0


def test_the_request_s_user_is_the_user_itself_not_a_lazy_object(client, agent):
    """M10: loaded at once by the middleware, verified by django-otp's, with no wrapper"""
    from django.utils.functional import LazyObject

    client.force_login(agent)
    response = client.get(HELP)
    user = response.wsgi_request.user
    assert not isinstance(user, LazyObject) and type(user) is type(agent)
    assert user.pk == agent.pk and user.is_verified() is False and user.otp_device is None


def test_an_anonymous_request_without_a_cookie_reads_no_session(client, cache_calls):
    """M10: the user loaded at once costs a visitor nothing"""
    response = client.get(LOGIN)
    assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated
    assert not [call for call in cache_calls if "session" in str(call[1])]


def test_the_session_hash_is_django_s_and_follows_the_password(agent, settings):
    """M10: the remembered session hash is Django's own HMAC, and a new password changes it"""
    from django.contrib.auth.base_user import AbstractBaseUser

    assert agent.get_session_auth_hash() == AbstractBaseUser._get_session_auth_hash(agent)
    before = agent.get_session_auth_hash()
    agent.set_password("un autre mot de passe 2026!")
    assert agent.get_session_auth_hash() != before
    assert agent.get_session_auth_hash() == AbstractBaseUser._get_session_auth_hash(agent)
    settings.SECRET_KEY = "une autre clé " + "k" * 50
    assert agent.get_session_auth_hash() == AbstractBaseUser._get_session_auth_hash(agent)


def test_a_worker_unpickles_the_same_copy_once_and_each_page_gets_its_own_instances(agent, monkeypatch):
    """M10: the copy's bytes unpickled once per worker; a page changing its user changes no other's"""
    unpickled = []

    class Kept(dict):
        def __setitem__(self, raw, packed):
            unpickled.append(raw)
            super().__setitem__(raw, packed)

    monkeypatch.setattr(signed_in, "_unpickled", Kept())
    cache.delete(signed_in.key(agent.pk))
    signed_in.load(agent.pk)  # read from the database, kept
    first = signed_in.load(agent.pk)
    first.first_name = "Changée par une page"
    first.establishment.name = "Changé aussi"
    second = signed_in.load(agent.pk)
    assert len(unpickled) == 1
    assert second is not first and second.first_name == agent.first_name
    assert second.establishment.name == agent.establishment.name
    agent.last_name = "Renommé"
    agent.save()  # forgotten: new bytes next time
    cache.delete(signed_in.key(agent.pk))
    signed_in.load(agent.pk)
    assert signed_in.load(agent.pk).last_name == "Renommé" and len(unpickled) == 2
