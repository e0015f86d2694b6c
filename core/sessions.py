"""Sessions kept in the database with a cache in front (production): Django's ``cached_db``, made
to keep working when the cache is down.

- Reading or creating a session falls back to the database alone (the source of truth), so
  signed-in users keep working while Redis is unreachable.
- Deleting a session (logout, the new key given at login) still fails if the cache cannot
  forget it: a copy left in the cache would bring the session back once the cache returns. That
  request gets the « Service momentanément indisponible » page instead.
"""

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:
            logger.warning("session cache unavailable: read from the database")
        return data

    def exists(self, session_key):
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("session cache unavailable: checked in the database")
        return DBStore.exists(self, session_key)
