"""Answers a process remembers: at most ``bound`` of them, all forgotten when it is reached.

Shared by what the portal works out once per process (``core.reversal``'s URLs,
``core.staticfiles``' static URLs, ``core.prepared``'s compiled shapes). Reads take no lock (a
dict read is atomic); writes do.
"""

import threading


class Memo:
    def __init__(self, bound):
        self.bound = bound
        self._values = {}
        self._lock = threading.Lock()

    def get(self, key, default=None):
        return self._values.get(key, default)

    def keep(self, key, value):
        """Remember ``value`` under ``key`` (forgetting everything first when full); returns it."""
        with self._lock:
            if len(self._values) >= self.bound:
                self._values.clear()
            self._values[key] = value
        return value

    def clear(self):
        with self._lock:
            self._values.clear()

    def values(self):
        return list(self._values.values())

    def __len__(self):
        return len(self._values)
