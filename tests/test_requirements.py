"""docs/requirements.md lists every requirement ID the tests cite, with the tests that prove it.

These tests check the project itself: they cite no requirement. After adding, renaming or moving a
test, or changing the IDs it cites, run ``python -m tools.requirements`` and commit the document.
"""

import textwrap

import pytest

from tools import requirements

REGENERATE = "run `.venv/bin/python -m tools.requirements` and commit docs/requirements.md"


@pytest.fixture(scope="module")
def cited():
    return requirements.citations(requirements.ROOT)


@pytest.fixture(scope="module")
def document_text():
    return (requirements.ROOT / requirements.DOC).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def document(document_text):
    return requirements.parse(document_text)


def test_each_id_cited_by_a_test_has_an_entry(cited, document):
    """Each ID cited at the start of a test's docstring has its entry, written by a person."""
    listed = {entry.id for entry in document.entries}
    missing = sorted(set(cited) - listed, key=requirements.id_key)
    assert not missing, "cited by tests but absent from docs/requirements.md (write a heading and a description):\n" + (
        "\n".join(f"  {requirement_id}: {', '.join(cited[requirement_id])}" for requirement_id in missing)
    )


def test_each_listed_id_is_cited_by_a_test(cited, document):
    """An entry that no test cites is a claim without proof."""
    untested = [entry.id for entry in document.entries if entry.id not in cited]
    assert not untested, f"listed in docs/requirements.md but cited by no test: {', '.join(untested)}"


def test_each_entry_has_a_description_and_is_listed_once(document):
    """The tool writes the test lists, never what a requirement means."""
    seen = [entry.id for entry in document.entries]
    duplicates = sorted({requirement_id for requirement_id in seen if seen.count(requirement_id) > 1})
    undescribed = [entry.id for entry in document.entries if not entry.description]
    assert not duplicates, f"listed more than once: {', '.join(duplicates)}"
    assert not undescribed, f"entries without a description: {', '.join(undescribed)}"
    assert not document.stray_blocks, f"generated lists outside an entry at lines {document.stray_blocks}"


def test_the_test_lists_are_as_generated(cited, document_text):
    """The lists under each entry are exactly the tests citing its ID today."""
    stale = [problem for problem in requirements.problems(document_text, cited) if problem.startswith("generated")]
    assert requirements.regenerate(document_text, cited) == document_text, f"{REGENERATE}:\n" + "\n".join(stale)


@pytest.mark.parametrize(
    "docstring, ids",
    [
        ("M3.4", ["M3.4"]),
        ("M3.4, M10: a colleague reads it read only", ["M3.4", "M10"]),
        ("M1.1 M1.2 M1.3 M2.1 (RGAA: nothing serious)", ["M1.1", "M1.2", "M1.3", "M2.1"]),
        ("  M5\n", ["M5"]),
        ("M6 STYLE Files M7", ["M6"]),
        ("M3.4 M3.4", ["M3.4"]),
        ("MD5 of the file", []),
        ("M2M relation kept", []),
        ("M3.4.1 is no ID", []),
        ("The owner's message (M3.4) is only mentioned here", []),
        ("ASVS 3.3.1: a session ends with its account", []),
        ("", []),
        (None, []),
    ],
)
def test_cited_ids_reads_the_leading_run_of_ids(docstring, ids):
    """Only whole IDs at the very start of the docstring count."""
    assert requirements.cited_ids(docstring) == ids


def test_tests_in_source_follows_pytest_collection():
    """Module functions, methods of Test classes (whose docstring IDs they inherit), nothing else."""
    source = textwrap.dedent(
        '''
        def helper():
            """M1.1"""

        def test_login():
            """M1.1: logs in"""

        async def test_async():
            """M2.2"""

        def test_without_docstring():
            pass

        class TestCloseDi:
            """M3.5"""

            def test_validate(self):
                """M9: e-mails nobody"""

            def not_a_test(self):
                """M3.6"""

        class TestWithInit:
            def __init__(self):
                pass

            def test_skipped(self):
                """M4"""
        '''
    )
    assert requirements.tests_in_source(source, "app/tests/test_x.py") == {
        "app/tests/test_x.py::test_login": ["M1.1"],
        "app/tests/test_x.py::test_async": ["M2.2"],
        "app/tests/test_x.py::test_without_docstring": [],
        "app/tests/test_x.py::TestCloseDi::test_validate": ["M3.5", "M9"],
    }


def write(root, path, text):
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(textwrap.dedent(text), encoding="utf-8")


def test_test_modules_are_searched_outside_tools_and_runtime_directories(tmp_path):
    """A virtualenv, node_modules, var/ and bench/out/ hold no test of the project."""
    for path in [
        "app/tests/test_a.py",
        "tests/test_b.py",
        ".venv/lib/test_c.py",
        "node_modules/x/test_d.py",
        "var/test_e.py",
        "bench/out/test_f.py",
        "bench/tests/test_g.py",
        "app/tests/helpers.py",
    ]:
        write(tmp_path, path, "")
    assert requirements.find_test_modules(tmp_path) == [
        "app/tests/test_a.py",
        "bench/tests/test_g.py",
        "tests/test_b.py",
    ]


DOC = """\
# Requirements

Intro, kept as written.

## Support

### M3.4 Detail

The DI page and its thread.

### M3.6 Cancel

The owner cancels a DI.
"""


@pytest.fixture
def repo(tmp_path):
    write(
        tmp_path,
        "support/tests/test_detail.py",
        '''
        def test_thread():
            """M3.4: the thread, oldest first"""

        def test_cancel():
            """M3.6"""
        ''',
    )
    write(tmp_path, "docs/requirements.md", DOC)
    return tmp_path


def test_regenerate_writes_the_lists_and_keeps_the_rest(repo):
    """Headings, descriptions and prose stay as written; each entry gets its tests; twice changes nothing."""
    cited = requirements.citations(repo)
    text = requirements.regenerate(DOC, cited)
    assert "Intro, kept as written." in text and "The DI page and its thread.\n\n<!-- tests" in text
    assert "- `support/tests/test_detail.py::test_thread`" in text
    assert "- `support/tests/test_detail.py::test_cancel`" in text
    assert requirements.regenerate(text, cited) == text
    assert requirements.problems(text, cited) == []
    entries = requirements.parse(text).entries
    assert [(entry.id, entry.description, entry.tests) for entry in entries] == [
        ("M3.4", "The DI page and its thread.", ["support/tests/test_detail.py::test_thread"]),
        ("M3.6", "The owner cancels a DI.", ["support/tests/test_detail.py::test_cancel"]),
    ]


def test_an_id_cited_but_not_listed_is_reported_with_its_tests(repo):
    """A new ID stops the check until someone writes its entry."""
    write(repo, "support/tests/test_closure.py", 'def test_validate():\n    """M3.5"""\n')
    cited = requirements.citations(repo)
    [problem] = requirements.problems(requirements.regenerate(DOC, cited), cited)
    assert problem.startswith("M3.5 is cited by 1 test(s) (support/tests/test_closure.py::test_validate)")
    assert "no entry" in problem


def test_an_id_listed_without_a_test_is_reported(repo):
    """An entry whose ID no test cites is reported by its ID."""
    doc = DOC + "\n### M7 Aide\n\nThe guide.\n"
    cited = requirements.citations(repo)
    [problem] = requirements.problems(requirements.regenerate(doc, cited), cited)
    assert problem.startswith("M7 is listed") and "no test cites it" in problem


def test_an_out_of_date_list_names_the_tests_to_add_and_drop(repo):
    """A test renamed since the last run: the check names both."""
    text = requirements.regenerate(DOC, requirements.citations(repo))
    write(
        repo,
        "support/tests/test_detail.py",
        'def test_thread_renamed():\n    """M3.4"""\n\ndef test_cancel():\n    """M3.6"""\n',
    )
    [problem] = requirements.problems(text, requirements.citations(repo))
    assert "run `python -m tools.requirements`" in problem
    assert "not listed: support/tests/test_detail.py::test_thread_renamed" in problem
    assert "listed but not citing it: support/tests/test_detail.py::test_thread" in problem


def test_an_entry_without_description_or_listed_twice_is_reported(repo):
    """A heading alone is no description; one ID, one entry."""
    doc = DOC.replace("The owner cancels a DI.\n", "") + "\n### M3.4 Detail again\n\nSame.\n"
    cited = requirements.citations(repo)
    problems = requirements.problems(requirements.regenerate(doc, cited), cited)
    assert any(problem.startswith("M3.4 is listed twice") for problem in problems)
    assert any(problem.startswith("M3.6 has no description") for problem in problems)


def test_the_command_rewrites_then_checks(repo, capsys):
    """``--check`` changes nothing and fails; without it the lists are written and the check passes."""
    assert requirements.main(["--check", "--root", str(repo)]) == 1
    assert "M3.4 has no generated test list" in capsys.readouterr().err
    assert (repo / "docs/requirements.md").read_text(encoding="utf-8") == DOC
    assert requirements.main(["--root", str(repo)]) == 0
    assert requirements.main(["--check", "--root", str(repo)]) == 0
    assert "2 requirements, 2 tests" in capsys.readouterr().out
