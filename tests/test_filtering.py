import pytest

from layers import load_projects
from layers.selection.filtering import (
    ZONES,
    Filters,
    counts_per_action,
    district_codes,
    district_label,
    filter_projects,
    filters_from_query,
    filters_to_query,
)


@pytest.fixture(scope="module")
def projects():
    return load_projects()


def test_no_filter_keeps_everything(projects):
    assert len(filter_projects(projects, Filters())) == len(projects)


def test_action_filter(projects):
    out = filter_projects(projects, Filters(actions=(4, 10)))
    assert set(out["action"]) == {4, 10}
    assert len(out) == (projects["action"].isin([4, 10])).sum()


def test_district_keeps_touching_measures_and_citywide(projects):
    out = filter_projects(projects, Filters(actions=(4,), districts=("370828",)))
    located = out[out["form"] != "city"]
    assert set(located["title_zh"]) == {"金乡鱼山省级示范片区"}
    assert (out["form"] == "city").sum() == ((projects["action"] == 4) & (projects["form"] == "city")).sum()


def test_citywide_can_be_left_out(projects):
    out = filter_projects(projects, Filters(districts=("370828",), include_citywide=False))
    assert (out["form"] != "city").all()
    assert all("370828" in c.split(",") for c in out["county_adcodes"])


def test_line_crossing_counties_matches_each(projects):
    for code in ("370832", "370811", "370826"):  # canal: Liangshan, Rencheng, Weishan
        out = filter_projects(projects, Filters(districts=(code,), include_citywide=False))
        assert "运河主航道建设" in set(out["title_zh"]), code


def test_zone_filter_uses_geometry(projects):
    out = filter_projects(projects, Filters(districts=("hightech",), include_citywide=False))
    assert "济宁科技创新谷" in set(out["title_zh"])
    assert "金乡鱼山省级示范片区" not in set(out["title_zh"])


def test_keyword_searches_titles_summaries_and_both_languages(projects):
    assert set(filter_projects(projects, Filters(q="断头路"))["id"]) == {"A03-11"}
    assert "A03-11" in set(filter_projects(projects, Filters(q="dead-end"))["id"])
    assert filter_projects(projects, Filters(q="no such words 无此词")).empty


def test_form_and_kind(projects):
    out = filter_projects(projects, Filters(forms=("line",), kinds=("highway",)))
    assert list(out["title_zh"]) == ["高速公路建设"]


def test_counts_per_action_include_zeros(projects):
    counts = counts_per_action(filter_projects(projects, Filters(actions=(2,))))
    assert counts[2] == (projects["action"] == 2).sum()
    assert sum(counts.values()) == counts[2] and set(counts) == set(range(1, 11))


def test_query_round_trip():
    f = Filters(actions=(4, 10), districts=("370828", "etdz"), forms=("point",), q="尼山", include_citywide=False)
    assert filters_from_query(filters_to_query(f)) == f
    assert filters_to_query(Filters()) == {}


def test_query_example_from_the_issue():
    f = filters_from_query({"action": "4", "district": "370828"})
    assert f == Filters(actions=(4,), districts=("370828",))


def test_bad_query_values_are_dropped_and_reported():
    f = filters_from_query({"action": "4,99,x", "district": "370828,999999", "form": "blob"})
    assert f.actions == (4,) and f.districts == ("370828",) and f.forms == ()
    assert set(f.warnings) == {"action=99", "action=x", "district=999999", "form=blob"}


def test_district_options_and_labels():
    codes = district_codes()
    assert len(codes) == 11 + len(ZONES)
    assert district_label("370881") == "曲阜市" and district_label("370881", "en") == "Qufu City"
    assert district_label("etdz") == "济宁经济技术开发区"


def test_the_light_filter_keeps_the_measures_of_those_lights_and_round_trips_in_the_url():
    import datetime as dt

    from layers.selection.filtering import filters_from_query, filters_to_query, view_from_query

    projects = load_projects()
    lit = projects.assign(light=["red" if i % 3 == 0 else "blue" for i in range(len(projects))])
    red = filter_projects(lit, Filters(lights=("red",)))
    assert len(red) == (len(projects) + 2) // 3 and set(red["light"]) == {"red"}
    # Without the lights joined, every measure has no plan.
    assert len(filter_projects(projects, Filters(lights=("no_plan",)))) == len(projects)
    assert filter_projects(projects, Filters(lights=("red",))).empty
    f = filters_from_query({"light": "red,yellow,purple"})
    assert f.lights == ("red", "yellow") and "light=purple" in f.warnings
    assert filters_to_query(f) == {"light": "red,yellow"}
    today = dt.date(2026, 12, 5)
    assert view_from_query({"asof": "2020-09-30", "color": "progress"}, today) == (dt.date(2020, 9, 30), "progress", [])
    assert view_from_query({}, today) == (today, "action", [])
    asof, colour, warn = view_from_query({"asof": "2020-02-30", "color": "<b>"}, today)
    assert (asof, colour) == (today, "action") and warn == ["asof=2020-02-30", "color=<b>"]
    assert view_from_query({"asof": "1900-01-01"}, today)[2] == ["asof=1900-01-01"]
