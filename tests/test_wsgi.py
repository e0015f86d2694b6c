"""The WSGI module each gunicorn worker imports (config/wsgi.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = (
    "import gc, json; import config.wsgi; "
    "print(json.dumps({'threshold': gc.get_threshold(), 'frozen': gc.get_freeze_count(), "
    "'app': type(config.wsgi.application).__name__}))"
)


def test_a_worker_freezes_what_it_loaded_and_collects_its_young_objects_less_often():
    """M10: the objects built while the portal loads leave the collector's generations, and the
    youngest generation waits 20,000 allocations (docs/performance.md, round seven)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["app"] == "WSGIHandler"
    assert facts["threshold"] == [20_000, 20, 20]
    assert facts["frozen"] > 10_000  # Django, the portal's modules, its URL patterns
