"""The suite's shared fixtures live in the test-support package ``testing/`` (see its ``__init__``);
this file only registers them, so that every test sees them."""

import pytest

pytest.register_assert_rewrite("testing")

pytest_plugins = [
    "testing.environment",
    "testing.personas",
    "testing.clients",
    "testing.browser",
    "testing.imap",
    "testing.webhooks",
]
