"""Production's session engine (``SESSION_ENGINE = "accounts.sessions"``): ``core.sessions``'
cached_db store, which also brings the signed-in user's cached copy (accounts.signed_in) in the
same round trip to the cache as the session (issue 18, item 2).

A session's user never changes under the same key (Django gives a new key at every login), so
once a worker has read a session it knows whose it is: the next time, it asks the cache for the
session and that user's copy together (one ``MGET``). What it brings is used only if the
session does name that user (``accounts.signed_in.load``); a session read for the first time by
a worker, or whose cache entry is gone, is read as before.
"""

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import DEFAULT_CACHE_ALIAS

from core import sessions

from . import signed_in

# session key → user id, for the sessions this worker has read (forgotten all at once past the bound)
_users_of_sessions = {}
_BOUND = 50_000


class SessionStore(sessions.SessionStore):
    signed_in_lookup = None

    def load(self):
        user_id = _users_of_sessions.get(self.session_key)
        data = None
        if user_id is not None and settings.SESSION_CACHE_ALIAS == DEFAULT_CACHE_ALIAS:
            user_key = signed_in.key(user_id)
            try:
                found = self._cache.get_many([self.cache_key, user_key])
            except Exception:
                found = None
            if found is not None:
                data = found.get(self.cache_key)
                self.signed_in_lookup = (user_id, found.get(user_key))
        if data is None:
            data = super().load()
        owner = data.get(SESSION_KEY)
        if owner is not None and self.session_key is not None:
            if len(_users_of_sessions) >= _BOUND:
                _users_of_sessions.clear()
            _users_of_sessions[self.session_key] = owner
        return data
