"""django-otp's middleware and the two-factor policy, on every request of a signed-in user.

- A session not verified by a code, of an account that has 2FA (opened before it was enabled, or
  through the back office's own login form), is ended: the user logs in again, with the code.
- An account for which 2FA is required (the vendor's staff; client administrators when
  TWO_FACTOR_REQUIRED_FOR_CLIENT_ADMINS) and that has none reaches nothing but the enrolment pages
  and « Déconnexion » until it is set up. The back office is thus never reached without a code.

TWO_FACTOR_ENFORCED is False only in the test settings (tests open sessions with force_login).
"""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware

from . import policy

# Reachable by an account that must enrol first.
ALWAYS_REACHABLE = {"accounts:logout", "portal:liveness", "portal:readiness"}


class OTPMiddleware(DjangoOTPMiddleware):
    """django-otp's middleware, taking the device that verified the session from those loaded with
    the signed-in user (accounts.signed_in, forgotten whenever a device changes) rather than
    from one query per request; a device not among them is read from the database as before.

    The user is verified at once, as accounts.middleware loads it: ``request.user`` stays the
    user itself, not a lazy object wrapping another lazy object (two caught exceptions per
    attribute read).

    Then the two-factor policy (module docstring), in ``process_view``: after every middleware's
    request part (the messages, HTMX), before the view, as django-otp's user is ready."""

    def _install_lazy_accessors(self, request):
        user = getattr(request, "user", None)
        if user is not None:
            request.user = self._verify_user_sync(request, user)
        auser = getattr(request, "auser", None)
        if auser is not None:
            request.auser = functools.partial(self._verify_user_async_via_auser, request, auser)

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if user.is_authenticated:
            persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
            device = None
            if persistent_id:
                persistent_id = self._normalize_persistent_id(persistent_id)
                device = policy.device_loaded_with(user, persistent_id) or self._device_from_persistent_id(
                    persistent_id
                )
            user.otp_device = self._finalize_device(request, user, device)
        return user

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.TWO_FACTOR_ENFORCED:
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in ALWAYS_REACHABLE:
            return None
        if policy.enrolled_when_loaded(user):
            logout(request)
            messages.info(request, _("Reconnectez-vous : votre code de vérification vous sera demandé."))
            return self._go(request, redirect_to_login(request.get_full_path()).url)
        if policy.is_required(user) and (match is None or match.namespace != "twofactor"):
            messages.warning(
                request, _("La double authentification est obligatoire pour votre profil : activez-la pour continuer.")
            )
            return self._go(request, reverse("twofactor:setup"))
        return None

    @staticmethod
    def _go(request, url):
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)
