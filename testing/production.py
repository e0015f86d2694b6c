"""A command run in a fresh process under the production settings (``ESPACE_PRODUCTION=1``)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PRODUCTION_ENV = {
    "ESPACE_PRODUCTION": "1",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "SECRET_KEY": "only-for-tests-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2,
    # A database nobody creates: a command that refuses must refuse before reaching it.
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/espace_never_created",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "EMAIL_URL": "smtp://127.0.0.1:25",
}


def run_in_production(args, **overrides):
    """``python <args>`` in the project directory with the production settings; the completed process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_")) and k != "DEBUG"}
    env.update(PRODUCTION_ENV, **overrides)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
