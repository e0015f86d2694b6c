"""Back office: the vendor's administrator sees who has 2FA and disables it for a lost phone."""

from django.contrib.admin.sites import site
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Event
from testing.twofactor import enrol
from twofactor.admin import Enrolment

CHANGELIST = reverse("admin:twofactor_enrolment_changelist")


def test_django_otps_own_pages_are_replaced(vendor_admin):
    """M10 (no secret shown in the back office)"""
    assert not site.is_registered(TOTPDevice) and not site.is_registered(StaticDevice)
    assert site.is_registered(Enrolment)


def test_the_list_shows_who_has_2fa_without_any_secret(client, vendor_admin, support, est_admin):
    """M10 (2FA)"""
    key, codes = enrol(support)
    enrol(est_admin)
    client.force_login(vendor_admin)
    body = client.get(CHANGELIST).content.decode()
    assert "Sam Support" in body and "Adèle Admin" in body and "Support logiciel" in body
    assert key not in body and not any(code.replace("-", "") in body for code in codes)
    device = TOTPDevice.objects.get(user=support)
    detail = client.get(reverse("admin:twofactor_enrolment_change", args=[device.pk])).content.decode()
    assert key not in detail
    assert client.get(reverse("admin:twofactor_enrolment_add")).status_code == 403


def test_the_administrator_disables_2fa_of_a_lost_phone(client, vendor_admin, est_admin):
    """M10 (2FA recovery by the vendor)"""
    enrol(est_admin)
    client.force_login(vendor_admin)
    device = TOTPDevice.objects.get(user=est_admin)
    response = client.post(CHANGELIST, {"action": "disable", "_selected_action": [device.pk]}, follow=True)
    assert "Double authentification désactivée pour 1 compte" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=est_admin).exists()
    event = Event.objects.get(action="2fa_disabled")
    assert event.actor == vendor_admin and event.target == est_admin.email and event.data == {"by_admin": True}


def test_other_personas_do_not_reach_the_list(client, est_admin, support):
    """M10"""
    for user in (est_admin, support):
        client.force_login(user)
        assert client.get(CHANGELIST).status_code == 302
