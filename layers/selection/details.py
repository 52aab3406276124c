"""What the detail panel and the side list show for a measure (plain data; the app renders it)."""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from layers.geo.actions import load_actions
from layers.geo.boundaries import county_names
from layers.geo.placenames import EnglishName, english_place, name_table
from layers.labels import CHANGE_WORDS, COLUMNS, FORM, KIND, PRECISION, TARGET_UNITS, TEXT, local_time, t
from layers.selection.numbering import precision_km

#: The label of the cited source notes, which are kept as written (in English): the app
#: shows them folded under this label in the Chinese view, so nobody meets them by accident.
SOURCE_NOTES = {"zh": "来源说明(英文原文)", "en": "Source notes"}
ARTICLE_WORDS = {"zh": "原文", "en": "Article's words (Chinese)"}
#: Rows the detail panel folds: quoted text in the other language (one language per view).
FOLDED = {"zh": {SOURCE_NOTES["zh"]}, "en": {SOURCE_NOTES["en"], ARTICLE_WORDS["en"]}}


def measure_details(rec: pd.Series, lang: str = "zh") -> list[tuple[str, str]]:
    """(label, value) pairs describing one measure: title, action, kind, the article's words,
    target, precision and the source of its location."""
    actions = load_actions()
    names = county_names(lang)
    zh = lang == "zh"
    target = target_text(rec["target"], rec["target_unit"], lang)
    precision = PRECISION.get(rec["precision"], {}).get(lang, rec["precision"])
    if km := precision_km(rec["precision_m"]):
        precision += f"({km} km)" if zh else f" ({km} km)"
    counties = ("、" if zh else ", ").join(names.get(c, c) for c in str(rec["county_adcodes"] or "").split(",") if c)
    rows = [
        ("措施" if zh else "Measure", rec["title_zh"] if zh else f"{rec['title_en']} ({rec['title_zh']})"),
        (
            "所属行动" if zh else "Action",
            f"{rec['action']}. {actions.loc[rec['action'], 'name_zh' if zh else 'name_en']}",
        ),
        ("类型" if zh else "Kind", f"{KIND[rec['kind']][lang]} · {FORM[rec['form']][lang]}"),
        (ARTICLE_WORDS[lang], rec["summary_zh"]),
        ("目标" if zh else "Target", target or ("—")),
        ("地点" if zh else "Place", place_text(rec["place"], lang) or "—"),
        ("涉及县市区" if zh else "Districts", counties or ("全市" if zh else "city-wide")),
        ("位置精度" if zh else "Precision", precision),
        ("位置来源" if zh else "Location source", source_summary(rec["geometry_source"], lang)),
        (SOURCE_NOTES[lang], rec["geometry_source"] or "—"),
        ("编号" if zh else "ID", rec["id"]),
    ]
    if rec.get("changed"):
        rows.insert(
            0,
            (
                "已修改" if zh else "Changed",
                f"{rec.get('changed_by', '')} {local_time(rec.get('changed_at', ''))} "
                f"({CHANGE_WORDS.get(rec.get('origin', ''), {}).get(lang, rec.get('origin', ''))})",
            ),
        )
    return rows


def target_text(target, unit, lang: str = "zh") -> str:
    """A measure's target as the view shows it: "35 个"; in English with the unit's English
    (:data:`layers.labels.TARGET_UNITS`), "35"; "" when there is none."""
    if pd.isna(target):
        return ""
    unit = "" if pd.isna(unit) else str(unit)
    return f"{target:g} {TARGET_UNITS.get(unit, {}).get(lang, unit)}".strip()


_SOURCE_KINDS = {
    "gazetteer": {"zh": "地名库", "en": "Gazetteer"},
    "shape": {"zh": "示意图形", "en": "Drawn shape"},
}


@lru_cache(maxsize=1)
def place_names() -> dict[str, tuple[EnglishName, ...]]:
    """The sourced English names of every place a place text may name: the gazetteer with
    its towns (towns.csv) and counties, and the shapes (shapes.csv); see
    :func:`layers.geo.placenames.name_table`."""
    from layers.geo.gazetteer import read_gazetteer
    from layers.geo.shapes import load_shapes

    gaz = read_gazetteer()
    rows = [
        (
            r.name_zh,
            r.aliases,
            EnglishName(r.name_en, "county" if r.kind == "county" else "town" if r.town_code else "", r.county_adcode),
        )
        for r in gaz.itertuples()
    ]
    rows += [(r.name_zh, r.aliases, EnglishName(r.name_en)) for r in load_shapes().itertuples()]
    return name_table(rows)


def place_text(text, lang: str = "zh"):
    """A place text as the view shows it: as written in Chinese; in English, with the places'
    sourced English names (:func:`layers.geo.placenames.english_place`)."""
    return english_place(text, place_names()) if lang != "zh" else text


@lru_cache(maxsize=2)
def _shape_names(lang: str) -> dict[str, str]:
    from layers.geo.shapes import load_shapes

    return load_shapes().set_index("shape_id")["name_zh" if lang == "zh" else "name_en"].to_dict()


def _method_words(method: str, lang: str) -> str:
    """How a location was set by hand, in the UI's words: "map", "paste", "file", or a click
    or drawing with its zoom and basemap ("draw, zoom 12, basemap osm")."""
    m = re.fullmatch(r"(\w+), zoom ([\d.]+), basemap (\w+)", method)
    if not m:
        return TEXT.get(f"method_{method}", {}).get(lang, method)
    how = TEXT.get(f"method_{m[1]}", {}).get(lang, m[1])
    basemap = TEXT.get(f"basemap_{m[3]}", {}).get(lang, m[3])
    return t("source_drawn", lang, how=how, zoom=m[2], basemap=basemap)


def source_summary(geometry_source: str, lang: str = "zh") -> str:
    """A one-line summary of where a location comes from, in the UI's language. The full
    source notes (with their citations, in English) stay in ``geometry_source``."""
    text = str(geometry_source or "").strip()
    zh = lang == "zh"
    if not text:
        return "—"
    fixed = {
        "city-wide measure: no single place": ("全市性措施,无单一地点", "City-wide measure: no single place"),
        "county-wide measure: no single place": ("县域措施,无单一地点", "County-wide measure: no single place"),
    }
    if text in fixed:
        return fixed[text][0 if zh else 1]
    if text.startswith("outside Jining:"):
        where = text.split(":", 1)[1].strip()
        return f"济宁市外:{where}" if zh else f"Outside Jining: {place_text(where, lang)}"
    if text.startswith("manual: set by "):  # manual: set by WHO on WHEN (METHOD)
        m = re.match(r"manual: set by (.*) on (\S+) \((.*)\)$", text)
        if m:
            how = _method_words(m[3], lang)
            when = local_time(m[2])
            return f"人工更正:{m[1]},{when}({how})" if zh else f"Corrected by hand: {m[1]}, {when} ({how})"
    if text.startswith("imported coordinates"):
        inner = text[text.find("(") :]
        return f"导入的坐标{inner}" if zh else f"Imported coordinates {inner}"
    if text.startswith("geocoded "):
        m = re.match(r"geocoded '(.*)' to gazetteer: (.*?) — ", text)
        if m:
            if zh:
                return f"导入地名“{m[1]}”,地名库:{m[2]}"
            return f"Imported place '{place_text(m[1], lang)}', gazetteer: {place_text(m[2], lang)}"
    if text == "no place and no coordinates given":
        return "未给出地点和坐标,未定位" if zh else "No place and no coordinates given: not located"
    if text.startswith("no gazetteer match"):
        return "地名库中未找到,未定位" if zh else "Not found in the gazetteer: not located"
    names = _shape_names(lang)
    parts = []
    for piece in text.split(" | "):
        head = piece.split(" — ", 1)[0].split(":", 1)
        kind = head[0].split(" ", 1)[0]
        label = _SOURCE_KINDS.get(kind, {}).get(lang, kind)
        if kind == "shape":
            key = head[0].split(" ", 1)[1] if " " in head[0] else ""
            parts.append(f"{label}:{names.get(key, key)}" if zh else f"{label}: {names.get(key, key)}")
        else:
            name = head[1].strip() if len(head) > 1 else ""
            parts.append(f"{label}:{name}" if zh else f"{label}: {place_text(name, lang)}")
    return ";".join(parts) if zh else "; ".join(parts)


def register_table(projects: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The register as a display table with localised headers and labels: codes as words
    in the UI's language, empty values as "—"."""
    actions = load_actions()
    names = county_names(lang)
    name_col = "name_zh" if lang == "zh" else "name_en"

    def counties(codes: str) -> str:
        return ("、" if lang == "zh" else ", ").join(names.get(c, c) for c in codes.split(",") if c) if codes else ""

    def target(rec) -> str:
        return target_text(rec["target"], rec["target_unit"], lang)

    out = pd.DataFrame(
        {
            "id": projects["id"],
            "action": projects["action"].map(lambda a: f"{a}. {actions.loc[a, name_col]}"),
            "title": projects["title_zh" if lang == "zh" else "title_en"],
            "kind": projects["kind"].map(lambda k: KIND.get(k, {}).get(lang, k)),
            "form": projects["form"].map(lambda f: FORM.get(f, {}).get(lang, f)),
            "place": projects["place"].map(
                {
                    v: place_text(v, lang) if isinstance(v, str) and v.strip() else "—"
                    for v in projects["place"].unique()
                }
            ),
            "target": projects.apply(target, axis=1).replace("", "—"),
            "precision": projects["precision"].map(lambda p: PRECISION.get(p, {}).get(lang, p)),
            "precision_m": projects["precision_m"].map(lambda v: "—" if pd.isna(v) or not v else f"{v:,.0f}"),
            "counties": projects["county_adcodes"].map(counties).replace("", "—"),
            # One summary per distinct source: many measures share one.
            "source": projects["geometry_source"].map(
                {v: source_summary(v, lang) for v in projects["geometry_source"].unique()}
            ),
            "changed": (projects["changed_by"] + " " + projects["changed_at"].map(local_time)).str.strip()
            if "changed_by" in projects
            else "",
        }
    )
    return out.rename(columns={k: v[lang] for k, v in COLUMNS.items()})
