"""The static files' storage of production: whitenoise's compressed manifest storage, each file's
URL worked out once per process.

``{% static %}`` asks the storage for a file's URL every time a page names it, and the manifest
storage works it out each time (the hashed name looked up, then split, quoted and joined: ~15 µs
in a worker, six files on every page). The manifest does not change while a process runs
(``collectstatic`` runs before the servers start), so the answer for a name is remembered. A name
missing from the manifest raises as before and is not remembered; ``force=True`` and ``DEBUG``
work it out as before.
"""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

from core.memo import Memo

REMEMBERED_URLS = 2000  # names come from the templates: a few dozen


class RememberedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = Memo(bound=REMEMBERED_URLS)

    def url(self, name, force=False):
        if force or settings.DEBUG:
            return super().url(name, force)
        url = self._urls.get(name)
        if url is None:
            url = self._urls.keep(name, super().url(name))
        return url
