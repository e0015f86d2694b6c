"""« Je ne suis pas un robot »: ALTCHA, self-hosted proof of work.

django-altcha verifies the signed solution; we make replay protection atomic (``cache.add``:
of two requests racing with the same solution, exactly one wins) and take the cost from settings.
"""

import base64
import datetime
import json
import logging
import urllib.parse

import altcha
from django import forms
from django.conf import settings
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from django_altcha import AltchaField, AltchaWidget, get_cache, get_challenge_expire_seconds, get_hmac_key

logger = logging.getLogger(__name__)

STRINGS = {
    "label": "Je ne suis pas un robot",
    "verifying": "Vérification en cours…",
    "verified": "Vérifié",
    "error": "La vérification a échoué. Réessayez plus tard.",
    "expired": "La vérification a expiré. Réessayez.",
    "waitAlert": "Vérification en cours… merci de patienter.",
    "footer": "",
}


def make_challenge(cost=None):
    """A signed challenge whose work is ``cost`` (the largest number to try; ALTCHA_MAX_NUMBER by
    default). The cost is written in the signed salt: a solution shows what it cost (``cost_of``)."""
    cost = cost or settings.ALTCHA_MAX_NUMBER
    expires = datetime.datetime.now() + datetime.timedelta(milliseconds=settings.ALTCHA_CHALLENGE_EXPIRE)
    return altcha.create_challenge(
        altcha.ChallengeOptions(hmac_key=get_hmac_key(), expires=expires, max_number=cost, params={"cost": str(cost)})
    )


def cost_of(payload):
    """The work the challenge solved in ``payload`` asked for (0 if it does not say). Only meaningful
    once the field has verified the payload: the salt, and so the cost, is covered by the signature."""
    try:
        salt = json.loads(base64.b64decode(payload).decode())["salt"]
        return int(dict(urllib.parse.parse_qsl(salt.split("?", 1)[1])).get("cost", 0))
    except Exception:
        return 0


class CaptchaWidget(AltchaWidget):
    template_name = "accounts/captcha_widget.html"
    cost = None  # the work asked (ALTCHA_MAX_NUMBER when None); the login raises it under attack

    def get_context(self, name, value, attrs):
        # A fresh challenge per rendering, on a copy: the options dict is shared by every
        # instance of the form class.
        cost = self.cost or settings.ALTCHA_MAX_NUMBER
        challenge = make_challenge(cost)
        self.options = {
            **self.options,
            "challengeurl": None,
            "challengejson": json.dumps(challenge.to_dict()),
            "maxnumber": cost,
        }
        context = super(AltchaWidget, self).get_context(name, value, attrs)
        context["js_altcha_url"] = static(settings.ALTCHA_JS_URL)
        context["widget"]["altcha_options"] = self.encode_values(
            {k: v for k, v in self.options.items() if v is not None}
        )
        return context


class CaptchaField(AltchaField):
    widget = CaptchaWidget

    default_error_messages = {
        "error": _("La vérification « Je ne suis pas un robot » a échoué. Cochez à nouveau la case."),
        "invalid": _("La vérification « Je ne suis pas un robot » a échoué. Cochez à nouveau la case."),
        "required": _("Cochez la case « Je ne suis pas un robot »."),
        "replay": _("Cette vérification a déjà servi. Cochez à nouveau la case."),
        "unavailable": _(
            "La vérification « Je ne suis pas un robot » est momentanément indisponible. "
            "Réessayez dans quelques minutes."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Vérification"))
        kwargs.setdefault("hidefooter", True)
        kwargs.setdefault("hidelogo", True)
        kwargs.setdefault("strings", STRINGS)
        super().__init__(**kwargs)

    def replay_attack_protection(self, payload):
        try:
            challenge = json.loads(base64.b64decode(payload).decode())["challenge"]
        except Exception:
            raise forms.ValidationError(self.error_messages["error"], code="error") from None
        try:
            first_use = get_cache().add(f"altcha-spent:{challenge}", True, timeout=get_challenge_expire_seconds())
        except Exception:
            # Without the replay store a solution could be reused: refuse, and say why (fails closed).
            logger.error("captcha replay store unavailable", exc_info=True)
            raise forms.ValidationError(self.error_messages["unavailable"], code="unavailable") from None
        if not first_use:
            raise forms.ValidationError(self.error_messages["replay"], code="replay")
