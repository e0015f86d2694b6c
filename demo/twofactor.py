"""Demo: the vendor's demo accounts come with two-factor authentication already set up, on one
known secret (published in the README), so that a person trying the portal can sign in as them.

``manage.py demo_2fa_code`` prints the current code for this secret; any authenticator app also
accepts it. Idempotent: an account that already has 2FA is left as it is.
"""

from base64 import b32decode

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import VENDOR_ROLES, User

DEMO_TOTP_SECRET = "DEMOCEGAPEESPACECLIENTS2FATOTP23"  # base32, public: demo data only
DEMO_ACCOUNTS = ["support@cegape.example", "juridique@cegape.example", "superviseur@cegape.example"]


def demo_key():
    return b32decode(DEMO_TOTP_SECRET).hex()


@transaction.atomic
def load():
    enrolled = 0
    for user in User.objects.filter(email__in=DEMO_ACCOUNTS, role__in=VENDOR_ROLES):
        if not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(user=user, name="Application d'authentification", key=demo_key(), confirmed=True)
            enrolled += 1
    return {"twofactor_enrolled": enrolled}
