"""The layering of the project's apps, written once: an app imports only apps of lower layers
(never one of its own layer, never one above), so no two apps import each other. Test modules and
the test-support package may import any app; no test module imports another test module (shared
helpers live in ``testing/``).

Every module of the repository is read with ``ast`` (imports inside functions included); a
violation names the file, the line and the import."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lowest first. An app may import the apps of the layers before its own.
LAYERS = [
    ("core",),  # the shared library: file serving, caching, pagination, middleware, guards, refusals
    ("audit", "notifications"),  # the event log and the outgoing e-mails
    ("establishments",),  # establishments, products, contracts
    ("twofactor",),  # the second factor (asks the user model through get_user_model)
    ("accounts",),  # the user (of an establishment), login, password, account requests, « Mon profil »
    ("support", "news"),  # DIs and the desk; the vendor's news
    ("downloads", "trainings"),  # files under an active contract; trainings
    ("collaborators",),  # an establishment's sheet and accounts, the reassignment of their DIs
    ("ops", "demo"),  # backup, restore, purges; the demo data
    ("portal",),  # the page shell: layout, home, menu, errors, help
    ("config",),  # settings, URLs, Celery
    ("bench", "tools"),  # the benchmark and the load test drive the whole portal
]
LAYER_OF = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}
TEST_SUPPORT = ("testing", "tests")
SKIPPED_DIRS = {".venv", ".git", "node_modules", "var", "staticfiles", "migrations", "__pycache__"}


def python_files():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if SKIPPED_DIRS.intersection(relative.parts) or len(relative.parts) < 2:
            continue
        yield relative


def imports_of(relative):
    """(line, imported module) for every absolute import of a file; relative imports stay inside
    their package."""
    tree = ast.parse((ROOT / relative).read_text(), filename=str(relative))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def is_test_module(relative):
    return relative.parts[0] in TEST_SUPPORT or "tests" in relative.parts or relative.name == "conftest.py"


def layering_violations(files=None):
    violations = []
    for relative in files if files is not None else python_files():
        app = relative.parts[0]
        if app not in LAYER_OF or is_test_module(relative):
            continue
        for line, module in imports_of(relative):
            target = module.split(".")[0]
            if target == app or target not in LAYER_OF:
                continue
            if LAYER_OF[target] >= LAYER_OF[app]:
                where = "its own layer" if LAYER_OF[target] == LAYER_OF[app] else "a higher layer"
                violations.append(f"{relative}:{line} imports {module} ({target} is in {where} than {app})")
    return violations


def test_every_app_has_a_layer():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert not apps - set(LAYER_OF), f"apps without a layer in tests/test_layering.py: {sorted(apps - set(LAYER_OF))}"


def test_apps_import_only_lower_layers():
    violations = layering_violations()
    assert not violations, "imports against the layering:\n" + "\n".join(violations)


def test_no_test_module_imports_another():
    """Test helpers live in the test-support package ``testing/``; test modules import it, never
    each other (nor conftest.py)."""
    violations = []
    for relative in python_files():
        if not is_test_module(relative) or relative.parts[0] == "testing":
            continue
        for line, module in imports_of(relative):
            parts = module.split(".")
            if "tests" in parts[:-1] or parts[-1] == "tests" or module == "conftest" or parts[0] == "tests" or "tests" in parts and parts.index("tests") < len(parts) - 1:
                violations.append(f"{relative}:{line} imports {module}")
    assert not violations, "test modules importing other test modules:\n" + "\n".join(violations)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from portal.menu import menu_for\n", ["support/x.py:1 imports portal.menu (portal is in a higher layer than support)"]),
        ("def f():\n    import collaborators.services\n", ["support/x.py:2 imports collaborators.services (collaborators is in a higher layer than support)"]),
        ("from news.models import NewsItem\n", ["support/x.py:1 imports news.models (news is in its own layer than support)"]),
        ("from accounts.models import User\nfrom . import services\nimport django\n", []),
    ],
)
def test_a_violation_names_the_file_line_and_import(tmp_path, monkeypatch, source, expected):
    (tmp_path / "support").mkdir()
    (tmp_path / "support" / "x.py").write_text(source)
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert layering_violations([Path("support/x.py")]) == expected
