"""Text the UI shows about measures: lists beside the map."""

import html

from layers import load_projects
from layers.labels import PRECISION, measure_list_markdown


def test_measure_list_escapes_names_and_stops_at_the_limit():
    projects = load_projects()
    city = projects[projects["form"] == "city"].copy()
    city.iloc[0, city.columns.get_loc("title_zh")] = "<img src=x onerror=alert(1)>"
    text = measure_list_markdown(city, "zh", limit=5)
    lines = text.splitlines()
    assert len(lines) == 5 and all(line.startswith("- ") for line in lines)
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in lines[0]
    assert PRECISION[city["precision"].iloc[0]]["zh"] in lines[0]
    full = measure_list_markdown(city, "en")
    assert len(full.splitlines()) == len(city)
    assert html.escape(city["title_en"].iloc[1]) in full.splitlines()[1]
