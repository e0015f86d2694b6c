"""What the tests share, in one package: test modules import it, never each other.

- ``environment``: every test's private media folder and fresh cache; ``cache_down``.
- ``personas``: the two establishments and their people, the vendor's staff (fixtures), ``make_user``.
- ``clients``: the test client that runs on-commit callbacks; the captcha solved in Python.
- ``mail``: a mail server that is down.
- ``tickets``: DIs filed, taken, answered and closed through the services.
- ``downloads``: files published through the services; a contract ended.
- ``knowledge``: articles of the knowledge base written through the services, an image attached.
- ``twofactor``: an enrolled account, the code its app shows, the two login steps.
- ``browser``: Chromium's launch, a session handed to the browser, axe-core, CSP and console watch.
- ``imap``: a real IMAP server (Dovecot) on loopback, a fresh mailbox per test, a reply composed
  from a sent notification.
- ``world``: the world of the access matrix.

The root ``conftest.py`` registers the modules that define fixtures (``pytest_plugins``).
"""
