"""The rows' micro-benchmark runs, and the markup it renders is the one the f-strings rendered
before issue 18 (the digests below were printed by ``python -m bench.rows_micro`` on the
f-strings of commit 7fbd743, the rows joined as the list templates now join them)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BEFORE = {"client_rows": "ba268d6b0f8639cc", "desk_rows": "050840af188feda7", "thread": "d526a7fa52d51de2"}


def test_the_templates_render_the_markup_of_the_f_strings():
    """M3.2 M8.1"""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    result = subprocess.run(
        [sys.executable, "-m", "bench.rows_micro", "2"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {name: out[name]["sha256"] for name in BEFORE} == BEFORE
    assert all(out[name]["ms_per_page"] > 0 for name in BEFORE)
