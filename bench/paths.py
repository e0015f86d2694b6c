"""Where a benchmark run keeps its things, and the environment of the server it starts.

Everything derives from the scale: each scale has its own database (on the PostgreSQL server of
``DATABASE_URL``, named ``espace_bench_<scale>``; ``BENCH_DATABASE_URL`` names another) and its
own folder under ``var/bench/``, so a tiny CI run never touches the full data set kept for the
next full run.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = ROOT / "bench" / "out"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/espace_clients"


def tag(scale):
    return f"{scale:g}".replace(".", "_").replace("-", "m")


def database_url(scale):
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    base = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    if not base.startswith("postgres"):
        raise SystemExit("Le banc d'essai demande PostgreSQL : DATABASE_URL=postgres://… (ou BENCH_DATABASE_URL).")
    return f"{base.rsplit('/', 1)[0]}/espace_bench_{tag(scale)}"


def folder(scale):
    path = ROOT / "var" / "bench" / tag(scale)
    path.mkdir(parents=True, exist_ok=True)
    return path


def server_env(scale, **extra):
    """The production settings (ESPACE_PRODUCTION=1), as the scale-out test sets them, through the
    benchmark's own settings module (``bench.server_settings``: the portal plus the ceiling views,
    which the portal's own URLconf never serves)."""
    base = folder(scale)
    (base / "mail").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.server_settings",
            "ESPACE_PRODUCTION": "1",
            "SECRET_KEY": "bench-only-" + "b" * 50,
            "DATABASE_URL": database_url(scale),
            "CONN_MAX_AGE": "600",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
            "EMAIL_URL": f"filemail:///{base / 'mail'}",  # environ drops one leading slash
            "ALLOWED_HOSTS": "127.0.0.1,testserver",
            "SECURE_SSL_REDIRECT": "0",  # the reverse proxy's X-Forwarded-Proto says https
            "SITE_URL": "https://espaceclients.example",
            "STATIC_ROOT": str(base / "static"),
            "MEDIA_ROOT": str(base / "media"),
            "FILE_STORAGE": "local",
            "ALTCHA_MAX_NUMBER": "5000",
            # The benchmark measures what the API costs, not its per-token limit.
            "API_RATE_PER_MINUTE": "100000000",
        }
    )
    env.update(extra)
    return env
