"""The README's two commands are the ones CI runs, and documented settings exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    assert "    bash scripts/run.sh\n" in README
    assert "    bash scripts/test.sh\n" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in ci
    assert "chromium" in ci and "fonts-" in ci


def test_every_url_parameter_is_documented():
    from layers.selection.filtering import Filters, filters_to_query

    keys = set(filters_to_query(Filters((1,), ("370811",), ("point",), ("site",), "x", False)))
    for key in keys | {"basemap"}:
        assert re.search(rf"`{key}", README), key


def test_every_layers_module_is_in_the_architecture_doc():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for path in (ROOT / "layers").rglob("*.py"):
        if path.name != "__init__.py":
            assert f"`{path.name}`" in doc, path.name
