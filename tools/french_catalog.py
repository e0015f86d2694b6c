"""The French catalog of the portal: ``locale/fr/LC_MESSAGES/django.po`` and its ``.mo`` (SPEC M11.8).

The portal is written in French, so its own strings need no translation, except for plurals: an
untranslated ``ngettext`` or ``{% blocktranslate count %}`` falls back to the English rule, where
0 is plural (« 0 DIs »). In the catalog each plural takes its own two forms under the French rule
(0 and 1 singular: « 0 DI », « 1 DI », « 2 DIs »). The catalog also holds ``locale/overrides.po``:
Django's and django-axes' French where it reads badly (the back office's messages, Mo rather
than Mio), written by hand; those entries take precedence.

    python -m tools.french_catalog           # extract, fill the plurals, merge, compile
    python -m tools.french_catalog --check   # exit 1 when a plural of the code is not in the catalog

Needs GNU gettext (xgettext, msgcat, msgfmt).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
CATALOG = LOCALE / "fr" / "LC_MESSAGES" / "django.po"
OVERRIDES = LOCALE / "overrides.po"
IGNORED = [
    "locale",
    ".venv/*",
    "bench/*",
    "*/tests/*",
    "tests/*",
    "testing/*",
    "deploy/*",
    "docs/*",
    "var/*",
    "media/*",
]
# What makemessages reads for the « django » domain.
EXTRACTED_SUFFIXES = (".py", ".html", ".txt")
HEADER = (
    'msgid ""\nmsgstr ""\n"Project-Id-Version: espace-clients\\n"\n"Language: fr\\n"\n'
    '"MIME-Version: 1.0\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Content-Transfer-Encoding: 8bit\\n"\n'
    '"Plural-Forms: nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;\\n"\n'
)
ENTRY = re.compile(r'((?:#.*\n)*)msgid ((?:".*"\n)+)msgid_plural ((?:".*"\n)+)((?:msgstr\[\d\] (?:".*"\n)+)+)')


def _extract(workdir):
    """The plural entries of the portal's code and templates, as xgettext finds them through
    Django's makemessages (run on the sources, written to a temporary folder)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command
    from django.test import override_settings

    django.setup()
    # makemessages writes beside the first ``locale`` folder above a file, and writes each template
    # it reads as a « .html.py » beside it: it works on a copy of the sources (Python files and
    # templates) in a folder without ``locale``, so nothing is ever written into the project (a
    # test reading the project's modules at the same time would find those files come and go).
    sources = workdir / "sources"
    sources.mkdir()
    skipped = {"locale", "__pycache__", "node_modules", "staticfiles", "var", "media"}
    for entry in ROOT.iterdir():
        if entry.name in skipped or entry.name.startswith("."):
            continue
        if entry.is_dir():
            shutil.copytree(
                entry,
                sources / entry.name,
                ignore=lambda folder, names: [
                    name
                    for name in names
                    if name in skipped or (not Path(folder, name).is_dir() and not name.endswith(EXTRACTED_SUFFIXES))
                ],
            )
        elif entry.name.endswith(EXTRACTED_SUFFIXES):
            shutil.copy2(entry, sources / entry.name)
    out = workdir / "out"
    (out / "fr" / "LC_MESSAGES").mkdir(parents=True)
    cwd = os.getcwd()
    os.chdir(sources)
    try:
        with override_settings(LOCALE_PATHS=[str(out)]):
            call_command("makemessages", locale=["fr"], ignore_patterns=IGNORED, no_obsolete=True, verbosity=0)
    finally:
        os.chdir(cwd)
    extracted = (out / "fr" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    return list(ENTRY.finditer(extracted))


def _french_plural(match):
    """One plural entry with its forms: the singular for 0 and 1, the plural above."""
    comments, singular, plural = match.group(1), match.group(2), match.group(3)
    comments = "".join(line + "\n" for line in comments.splitlines() if line.startswith("#,"))
    return f"{comments}msgid {singular}msgid_plural {plural}msgstr[0] {singular}msgstr[1] {plural}msgstr[2] {plural}"


def _msgids(text):
    return {match.group(2) for match in ENTRY.finditer(text)}


def build():
    with tempfile.TemporaryDirectory() as tmp:
        plurals = _extract(Path(tmp))
        generated = Path(tmp) / "plurals.po"
        generated.write_text(HEADER + "\n" + "\n".join(_french_plural(m) for m in plurals), encoding="utf-8")
        CATALOG.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["msgcat", "--use-first", "-o", str(CATALOG), str(OVERRIDES), str(generated)], check=True)
    subprocess.run(["msgfmt", "--check-format", "-o", str(CATALOG.with_suffix(".mo")), str(CATALOG)], check=True)
    print(f"{CATALOG.relative_to(ROOT)}: {len(plurals)} plurals of the portal, and locale/overrides.po")


def check():
    with tempfile.TemporaryDirectory() as tmp:
        wanted = {m.group(2) for m in _extract(Path(tmp))}
    missing = wanted - _msgids(CATALOG.read_text(encoding="utf-8"))
    for msgid in sorted(missing):
        print(f"not in the catalog: {msgid.strip()}")
    if missing:
        print("run: python -m tools.french_catalog")
    return not missing


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(0 if check() else 1)
    build()
