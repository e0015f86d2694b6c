"""Demo: the vendor's demo accounts have 2FA on the secret printed in the README."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from demo.twofactor import DEMO_ACCOUNTS, DEMO_TOTP_SECRET


@pytest.mark.django_db
def test_demo_vendor_accounts_come_enrolled_and_the_command_prints_their_code(capsys):
    """M10 (2FA demo)"""
    call_command("load_demo")
    out = capsys.readouterr().out
    assert DEMO_TOTP_SECRET in out and "demo_2fa_code" in out
    devices = TOTPDevice.objects.filter(user__email__in=DEMO_ACCOUNTS, confirmed=True)
    assert devices.count() == 3
    assert not TOTPDevice.objects.exclude(user__email__in=DEMO_ACCOUNTS).exists()  # clients enrol if they wish

    call_command("demo_2fa_code")
    code = re.match(r"(\d{6})", capsys.readouterr().out).group(1)
    device = devices.get(user=User.objects.get(email="superviseur@cegape.example"))
    assert device.verify_token(code)

    call_command("load_demo")  # idempotent
    assert TOTPDevice.objects.count() == 3


def test_the_readme_gives_the_demo_secret_and_the_command():
    """M10 (2FA demo)"""
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert DEMO_TOTP_SECRET in readme and "demo_2fa_code" in readme
    assert "TWO_FACTOR_REQUIRED_FOR_CLIENT_ADMINS" in readme
