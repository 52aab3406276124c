"""How measures are numbered: one numbering for the app's map and list, the HTML export
and the printed keys, so that "12" means the same measure everywhere.

The measures drawn on a map (a geometry, or a county-wide tint) are numbered 1..N by
action, then id. The measures with no single place follow, unnumbered ("–"), grouped
as the app groups them: city-wide first, then outside Jining.
"""

from __future__ import annotations

import pandas as pd

from layers.geo.boundaries import county_names

#: The order of the groups of measures with no single place.
UNPLACED_FORMS = ("city", "outside")
NO_NUMBER = "–"
PLACE_WORDS = {"zh": {"city": "全市", "outside": "市外"}, "en": {"city": "city-wide", "outside": "outside"}}


def drawn_measures(sel: pd.DataFrame) -> pd.DataFrame:
    """The measures a map draws, in key order (action, then id)."""
    drawn = sel[sel.geometry.notna() | (sel["form"] == "county")]
    return drawn.sort_values(["action", "id"], kind="stable")


def unplaced_measures(sel: pd.DataFrame) -> pd.DataFrame:
    """The measures with no single place, grouped by form (city-wide, outside), then by action and id."""
    rest = sel[sel.geometry.isna() & (sel["form"] != "county")]
    order = {f: i for i, f in enumerate(UNPLACED_FORMS)}
    return (
        rest.assign(_g=rest["form"].map(order).fillna(len(order)))
        .sort_values(["_g", "action", "id"])
        .drop(columns="_g")
    )


def measure_numbers(sel: pd.DataFrame) -> dict[str, int]:
    """Each drawn measure's number (1-based), by id."""
    return {rid: i + 1 for i, rid in enumerate(drawn_measures(sel)["id"])}


def action_short(actions, a, lang: str) -> str:
    """An action as the key table names it: "4. 乡村振兴" / "4. Rural Revitalisation"."""
    name = actions.loc[a, "name_zh"].removesuffix("攻坚行动") if lang == "zh" else actions.loc[a, "name_en"]
    return f"{a}. {name.removesuffix(' Action') if lang != 'zh' else name}"


def precision_km(precision_m) -> str:
    """A measure's location precision as ±km ("±0.05", "±12.5"), or "" when unknown."""
    if precision_m is None or pd.isna(precision_m) or not precision_m:
        return ""
    return f"±{float(precision_m) / 1000:g}"


def districts_text(codes: str | None, form: str, lang: str, names: dict | None = None) -> str:
    """A measure's districts as a key names them: "任城区、兖州区" / "Rencheng, Yanzhou", or
    全市 / 市外 for measures with no county."""
    names = names if names is not None else county_names(lang)
    parts = [c for c in str(codes or "").split(",") if c]
    if lang == "zh":
        text = "、".join(names.get(c, c) for c in parts)
    else:  # the place names without "District"/"County"
        text = ", ".join(names.get(c, c).split()[0] for c in parts)
    return text or PLACE_WORDS[lang].get(form, "—")


def table_rows(drawn, number, names, actions, lang, everything=None, precision=True) -> list[list[str]]:
    """Rows of a key: [number, title, district, action, ±km] for ``drawn`` in key order (the
    location's precision last, "—" when unknown; left out without ``precision``); with
    ``everything``, its measures with no single place follow, numbered "–". Nothing is
    shortened: a printed table wraps."""
    recs = list(drawn_measures(drawn).itertuples())
    if everything is not None:
        recs += list(unplaced_measures(everything[~everything["id"].isin(drawn["id"])]).itertuples())
    rows = []
    for rec in recs:
        title = rec.title_zh if lang == "zh" else rec.title_en
        # English action names are long: the column keeps the number, which the legend names.
        action = action_short(actions, rec.action, lang) if lang == "zh" else str(rec.action)
        districts = districts_text(rec.county_adcodes, rec.form, lang, names)
        row = [str(number.get(rec.id, NO_NUMBER)), title, districts, action]
        if precision:
            row.append(precision_km(getattr(rec, "precision_m", None)) or "—")
        rows.append(row)
    return rows


#: A key's columns (the app's list has all but the last, the precision).
TABLE_HEADER = {
    "zh": ["序号", "措施", "县市区", "行动", "精度(±km)"],
    "en": ["No.", "Measure", "District", "Action", "±km"],
}


def list_table(sel: pd.DataFrame, lang: str = "zh", with_lights: bool | None = None) -> pd.DataFrame:
    """Every measure of ``sel`` as the list beside the app's map shows it: the drawn ones
    numbered as on the map, then the ones with no single place ("–"), city-wide ones too;
    with the progress lights joined (``with_lights``; by default once any progress is
    reported), each row's light after its number. Indexed by id."""
    from layers.geo.actions import load_actions

    drawn = drawn_measures(sel)
    rows = table_rows(drawn, measure_numbers(sel), county_names(lang), load_actions(), lang, sel, precision=False)
    ids = [*drawn["id"], *unplaced_measures(sel[~sel["id"].isin(drawn["id"])])["id"]]
    table = pd.DataFrame(rows, columns=TABLE_HEADER[lang][:4], index=pd.Index(ids, name="id"))
    if with_lights is None:  # by default, once any measure has a light other than "no plan"
        with_lights = "light" in sel.columns and bool(sel["light"].ne("no_plan").any())
    if with_lights:  # progress lights joined (layers.progress.view): every measure has one
        from layers.labels import LIGHT_SHORT

        light = sel.set_index("id")["light"].reindex(table.index).fillna("no_plan")
        table.insert(1, LIGHT_HEADER[lang], [LIGHT_SHORT[c][lang] for c in light])
    return table


#: The list's column of progress lights.
LIGHT_HEADER = {"zh": "进度", "en": "Light"}
