"""Test settings: the embedded default made fast and deterministic."""

from .settings import *  # noqa: F403
from .settings import CONTENT_SECURITY_POLICY

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
EMAIL_DELIVERY = "inline"
ALTCHA_MAX_NUMBER = 5_000
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY
# Tests open sessions with force_login (no second factor); twofactor's own tests turn it on.
TWO_FACTOR_ENFORCED = False
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
