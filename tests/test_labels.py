"""Text the UI shows about measures: lists beside the map."""

from layers import load_projects
from layers.labels import PRECISION, md_escape, measure_list_markdown


def test_markdown_in_user_text_stays_text():
    """Regression: a Markdown image in an imported title made every browser fetch a remote URL."""
    for mode in (False, True):
        out = md_escape(
            "![x](http://host/img.png) [a](javascript:alert(1)) **b**\n<i>c</i>\x00 www.x.cn a@b.cn", html_mode=mode
        )
        for raw in ("![", "](", "**", "http://", "://", "www.", "www\\.", "a@b", "\n", "\x00", "<i>"):
            assert raw not in out, (mode, raw)


def test_measure_list_escapes_names_and_stops_at_the_limit():
    projects = load_projects()
    city = projects[projects["form"] == "city"].copy()
    city.iloc[0, city.columns.get_loc("title_zh")] = "<img src=x onerror=alert(1)>"
    text = measure_list_markdown(city, "zh", limit=5)
    lines = text.splitlines()
    assert len(lines) == 5 and all(line.startswith("- ") for line in lines)
    # Markdown and HTML characters are backslash-escaped: the name is text, never markup.
    assert "<img" not in text and r"&lt;img src=x onerror=alert\(1\)&gt;" in lines[0]
    assert PRECISION[city["precision"].iloc[0]]["zh"] in lines[0]
    full = measure_list_markdown(city, "en")
    assert len(full.splitlines()) == len(city)
    assert md_escape(city["title_en"].iloc[1], html_mode=True) in full.splitlines()[1]
