"""User-facing labels in Chinese (default) and English, and the register table the app shows."""

from __future__ import annotations

import html
import re

import pandas as pd

from layers.actions import load_actions
from layers.boundaries import county_names

LANGS = ("zh", "en")

TEXT = {
    "title": {"zh": "济宁市“十大攻坚行动”项目登记", "en": "Jining “Ten Key Tackling Actions”: project register"},
    "caption": {
        "zh": "来源:齐鲁晚报 2020年3月。每条措施都标明位置的精度和来源。",
        "en": "Source: Qilu Evening News, March 2020. Every measure shows how precisely its location is known, and from where.",
    },
    "language": {"zh": "语言", "en": "Language"},
    "measures": {"zh": "措施总数", "en": "Measures"},
    "precision_help": {"zh": "精度说明", "en": "What the precision means"},
    "error": {"zh": "数据有误,请按提示修改后重试:", "en": "The data has errors; fix them and reload:"},
    "list_heading": {"zh": "措施列表(序号同图上编号)", "en": "Measures (numbered as on the map)"},
    "details": {"zh": "措施详情", "en": "Measure details"},
    "map_hint": {
        "zh": "点击地图上的编号或列表中的一行查看详情;点击县区按县区筛选。",
        "en": "Click a number on the map or a row of the list for its details; click a county to filter by it.",
    },
}

PRECISION = {
    "site": {"zh": "地点(精确)", "en": "site (exact)"},
    "manual": {"zh": "手动定位", "en": "set by hand"},
    "town": {"zh": "镇/园区级(近似)", "en": "town or zone (approximate)"},
    "county": {"zh": "县级(近似)", "en": "county (approximate)"},
    "city": {"zh": "全市", "en": "city-wide"},
    "approximate": {"zh": "线/面(近似)", "en": "line or area (approximate)"},
    "outside": {"zh": "济宁市外", "en": "outside Jining"},
    "unresolved": {"zh": "未定位", "en": "not located"},
}

PRECISION_HELP = {
    "zh": (
        "- **地点(精确)**:有公开坐标(维基百科、GeoNames 等)。\n"
        "- **镇/园区级**:只知道所在镇或园区,或有公开的相对位置(如“县城西2公里”)。\n"
        "- **县级**:只知道所在县,点位为县城,精度半径覆盖全县。\n"
        "- **线/面(近似)**:按来源说明构造的示意线或示意范围。\n"
        "- 精度(米):真实位置距图上位置的最大距离。"
    ),
    "en": (
        "- **site (exact)**: a published coordinate (Wikipedia, GeoNames …).\n"
        "- **town or zone**: only the town or zone is known, or a published relative position (“2 km west of the county town”).\n"
        "- **county**: only the county is known; the point is the county seat and the radius covers the county.\n"
        "- **line or area (approximate)**: a schematic built as its source says.\n"
        "- precision (m): the largest distance between the true and the drawn location."
    ),
}

KIND = {
    "site": {"zh": "地点", "en": "site"},
    "event": {"zh": "活动", "en": "event"},
    "road": {"zh": "道路", "en": "road"},
    "bridge": {"zh": "桥梁", "en": "bridge"},
    "railway": {"zh": "铁路", "en": "railway"},
    "highway": {"zh": "高速公路", "en": "expressway"},
    "waterway": {"zh": "航道", "en": "waterway"},
    "belt": {"zh": "带", "en": "belt"},
    "area": {"zh": "片区", "en": "area"},
    "zone": {"zh": "园区/平台", "en": "zone or platform"},
    "programme": {"zh": "工作/计划", "en": "programme"},
    "reform": {"zh": "改革", "en": "reform"},
}

FORM = {
    "point": {"zh": "点", "en": "point"},
    "line": {"zh": "线", "en": "line"},
    "area": {"zh": "面", "en": "area"},
    "county": {"zh": "县域", "en": "county-wide"},
    "city": {"zh": "全市", "en": "city-wide"},
    "outside": {"zh": "市外", "en": "outside Jining"},
}

COLUMNS = {
    "id": {"zh": "编号", "en": "ID"},
    "action": {"zh": "所属行动", "en": "Action"},
    "title": {"zh": "措施", "en": "Measure"},
    "kind": {"zh": "类型", "en": "Kind"},
    "form": {"zh": "空间形态", "en": "Form"},
    "place": {"zh": "地点", "en": "Place"},
    "target": {"zh": "目标", "en": "Target"},
    "precision": {"zh": "位置精度", "en": "Precision"},
    "precision_m": {"zh": "精度(米)", "en": "Precision (m)"},
    "counties": {"zh": "涉及县市区", "en": "Districts"},
    "source": {"zh": "位置来源", "en": "Location source"},
    "changed": {"zh": "修改", "en": "Changed"},
}


def t(key: str, lang: str) -> str:
    """The UI text ``key`` in ``lang``."""
    return TEXT[key][lang]


def register_table(projects: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The register as a display table with localised headers and labels: codes as words
    in the UI's language, empty values as "—"."""
    from layers.details import source_summary

    actions = load_actions()
    names = county_names()
    name_col = "name_zh" if lang == "zh" else "name_en"

    def counties(codes: str) -> str:
        return "、".join(names.get(c, c) for c in codes.split(",") if c) if codes else ""

    def target(rec) -> str:
        if pd.isna(rec["target"]):
            return ""
        return f"{rec['target']:g} {rec['target_unit']}".strip()

    out = pd.DataFrame(
        {
            "id": projects["id"],
            "action": projects["action"].map(lambda a: f"{a}. {actions.loc[a, name_col]}"),
            "title": projects["title_zh" if lang == "zh" else "title_en"],
            "kind": projects["kind"].map(lambda k: KIND.get(k, {}).get(lang, k)),
            "form": projects["form"].map(lambda f: FORM.get(f, {}).get(lang, f)),
            "place": projects["place"].map(lambda v: v if isinstance(v, str) and v.strip() else "—"),
            "target": projects.apply(target, axis=1).replace("", "—"),
            "precision": projects["precision"].map(lambda p: PRECISION.get(p, {}).get(lang, p)),
            "precision_m": projects["precision_m"].map(lambda v: "—" if pd.isna(v) or not v else f"{v:,.0f}"),
            "counties": projects["county_adcodes"].map(counties).replace("", "—"),
            # One summary per distinct source: many measures share one.
            "source": projects["geometry_source"].map(
                {v: source_summary(v, lang) for v in projects["geometry_source"].unique()}
            ),
            "changed": (projects["changed_by"] + " " + projects["changed_at"]).str.strip()
            if "changed_by" in projects
            else "",
        }
    )
    return out.rename(columns={k: v[lang] for k, v in COLUMNS.items()})


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")
_AUTOLINK = re.compile(r"(?i)(://|\bwww|@)")
_MD_SPECIAL_NO_HTML = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:])")


def md_escape(text, html_mode: bool = False) -> str:
    """User-supplied text made inert for Streamlit's Markdown: every Markdown character is
    backslash-escaped, so ``[x](http://…)`` and ``![x](http://…)`` stay text (no link, no
    image request), and ``:`` too, so bare URLs are not linked. Control characters go; line
    breaks become spaces. With ``html_mode`` (Markdown shown with ``unsafe_allow_html``),
    ``<``, ``>`` and ``&`` become HTML entities instead."""
    from layers.validate import clean_text

    # GFM links bare URLs, www. names and e-mail addresses whatever the escapes: a zero-width
    # space inside "://" and after "www" and "@" keeps them readable but never a link.
    text = _AUTOLINK.sub(lambda m: ":\u200b//" if m.group(1) == "://" else m.group(1) + "\u200b", clean_text(text))
    if html_mode:
        return _MD_SPECIAL_NO_HTML.sub(r"\\\1", html.escape(text, quote=False))
    return _MD_SPECIAL.sub(r"\\\1", text)


def measure_list_markdown(part: pd.DataFrame, lang: str = "zh", limit: int | None = None) -> str:
    """A Markdown list of measures (action symbol, title, precision) with every name
    HTML-escaped: one element for the whole list, at most ``limit`` lines."""
    symbols = load_actions()["symbol"]
    title = "title_zh" if lang == "zh" else "title_en"
    rows = part if limit is None else part.head(limit)
    return "\n".join(
        f"- {symbols[a]} {md_escape(t, html_mode=True)} <small>({html.escape(PRECISION[p][lang])})</small>"
        for a, t, p in zip(rows["action"], rows[title], rows["precision"], strict=True)
    )
