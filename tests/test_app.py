from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from layers import load_projects

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def app():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_lists_every_measure_with_its_precision(app):
    table = app.dataframe[0].value
    projects = load_projects()
    assert len(table) == len(projects)
    assert list(table["编号"]) == list(projects["id"])
    assert set(table["位置精度"]) == {"镇/园区级(近似)", "县级(近似)", "全市", "线/面(近似)", "济宁市外"}
    assert app.title[0].value.startswith("济宁市")


def test_metrics_count_the_register(app):
    assert app.metric[0].value == str(len(load_projects()))


def test_english_toggle(app):
    app.sidebar.radio(key="lang").set_value("en").run()
    assert not app.exception
    table = app.dataframe[0].value
    assert "Precision" in table.columns and "Measure" in table.columns
    assert app.title[0].value.startswith("Jining")
    assert "outside Jining" in set(table["Precision"])


def test_every_vocabulary_value_has_both_labels():
    from layers.labels import FORM, KIND, LANGS, PRECISION
    from layers.register import FORMS, KINDS

    assert set(KIND) == set(KINDS) and set(FORM) == set(FORMS)
    for table in (KIND, FORM, PRECISION):
        for labels in table.values():
            assert set(labels) == set(LANGS) and all(labels.values())
