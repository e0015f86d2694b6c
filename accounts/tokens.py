from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """The link e-mailed to a new account to choose its password.

    Same construction as the reset token (it embeds the password hash and the last login, so it
    dies once used), another salt, and a longer life (ACCOUNT_INVITATION_TIMEOUT).
    """

    key_salt = "accounts.tokens.InvitationTokenGenerator"

    def check_token(self, user, token):
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return (self._num_seconds(self._now()) - ts) <= settings.ACCOUNT_INVITATION_TIMEOUT


invitation_token_generator = InvitationTokenGenerator()
