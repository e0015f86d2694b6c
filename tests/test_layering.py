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
    ("establishments",),  # establishments, products, contracts and their service levels
    # The working-time calendar and the service-level clock (pure functions over a contract's
    # level and an establishment's department): read by support's services when a DI changes.
    ("servicelevels",),
    ("twofactor",),  # the second factor (asks the user model through get_user_model)
    ("accounts",),  # the user (of an establishment), login, password, account requests, « Mon profil »
    ("support", "news"),  # DIs and the desk; the vendor's news
    # Files under an active contract; trainings; the service-level reports (computed from the DIs);
    # replies by e-mail (read the mailbox, post through support's services, refuse through
    # notifications); the knowledge base (articles gated like downloads, suggested while a DI is
    # typed, linked from the desk's replies, drafted from closed DIs: it reads DIs and messages, so
    # it sits above support, whose templates name its URLs only); the webhooks (their events come
    # from support's TicketEvent rows and the accounts, read by signal receivers).
    # The vendor's master data upserted by its own references (referential).
    ("downloads", "trainings", "reports", "inbound", "knowledge", "webhooks", "referential"),
    ("collaborators",),  # an establishment's sheet and accounts, the reassignment of their DIs
    ("api",),  # the REST API and its tokens: calls the apps' access functions and services
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


def resolved_imports_of(relative):
    """(line, imported module) for every import of a file, relative ones made absolute
    (``from .builders import x`` in ``support/tests/test_x.py`` is ``support.tests.builders``;
    ``from . import x`` is ``support.tests.x``, which may be a module)."""
    tree = ast.parse((ROOT / relative).read_text(), filename=str(relative))
    package = list(relative.parent.parts)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            if node.module:
                yield node.lineno, module
            else:
                for alias in node.names:
                    yield node.lineno, f"{module}.{alias.name}"


def names_a_test_module(module):
    """A ``tests`` package or anything in one, a ``test_*`` module, or a ``conftest``."""
    parts = module.split(".")
    return "tests" in parts or "conftest" in parts or any(part.startswith("test_") for part in parts)


def imports_of_test_modules(files=None):
    violations = []
    for relative in files if files is not None else python_files():
        if not is_test_module(relative):
            continue
        for line, module in resolved_imports_of(relative):
            if names_a_test_module(module):
                violations.append(f"{relative}:{line} imports {module}")
    return violations


def test_no_test_module_imports_another():
    """Test helpers live in the test-support package ``testing/``; test modules (and ``testing``
    itself) import it, never a test module, a helper inside a ``tests`` package, nor conftest.py."""
    violations = imports_of_test_modules()
    assert not violations, "test modules importing other test modules:\n" + "\n".join(violations)


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        ("support/tests/test_x.py", "from conftest import PASSWORD\n", ["support/tests/test_x.py:1 imports conftest"]),
        (
            "support/tests/test_x.py",
            "from .builders import file_di\n",
            ["support/tests/test_x.py:1 imports support.tests.builders"],
        ),
        (
            "support/tests/test_x.py",
            "from . import test_y\n",
            ["support/tests/test_x.py:1 imports support.tests.test_y"],
        ),
        (
            "tests/test_x.py",
            "def f():\n    from accounts.tests.test_login import LOGIN\n",
            ["tests/test_x.py:2 imports accounts.tests.test_login"],
        ),
        (
            "testing/world.py",
            "from support.tests import client_builders\n",
            ["testing/world.py:1 imports support.tests"],
        ),
        ("support/tests/test_x.py", "from testing.tickets import file_di\nfrom support import services\n", []),
        ("support/views.py", "from .tests import helpers\n", []),  # not a test module: the layering's business
    ],
)
def test_a_test_module_importing_another_is_named(tmp_path, monkeypatch, path, source, expected):
    (tmp_path / path).parent.mkdir(parents=True)
    (tmp_path / path).write_text(source)
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert imports_of_test_modules([Path(path)]) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "from portal.menu import menu_for\n",
            ["support/x.py:1 imports portal.menu (portal is in a higher layer than support)"],
        ),
        (
            "def f():\n    import collaborators.services\n",
            ["support/x.py:2 imports collaborators.services (collaborators is in a higher layer than support)"],
        ),
        (
            "from news.models import NewsItem\n",
            ["support/x.py:1 imports news.models (news is in its own layer than support)"],
        ),
        ("from accounts.models import User\nfrom . import services\nimport django\n", []),
    ],
)
def test_a_violation_names_the_file_line_and_import(tmp_path, monkeypatch, source, expected):
    (tmp_path / "support").mkdir()
    (tmp_path / "support" / "x.py").write_text(source)
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert layering_violations([Path("support/x.py")]) == expected
