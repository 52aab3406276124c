"""What the detail panel and the side list show for a measure (plain data; the app renders it)."""

from __future__ import annotations

import pandas as pd

from layers.actions import load_actions
from layers.boundaries import county_names
from layers.labels import FORM, KIND, PRECISION


def measure_details(rec: pd.Series, lang: str = "zh") -> list[tuple[str, str]]:
    """(label, value) pairs describing one measure: title, action, kind, the article's words,
    target, precision and the source of its location."""
    actions = load_actions()
    names = county_names()
    zh = lang == "zh"
    target = "" if pd.isna(rec["target"]) else f"{rec['target']:g} {rec['target_unit']}".strip()
    precision = PRECISION.get(rec["precision"], {}).get(lang, rec["precision"])
    if pd.notna(rec["precision_m"]) and rec["precision_m"]:
        precision += f"(±{rec['precision_m'] / 1000:g} km)" if zh else f" (±{rec['precision_m'] / 1000:g} km)"
    counties = "、".join(names.get(c, c) for c in str(rec["county_adcodes"] or "").split(",") if c)
    rows = [
        ("措施" if zh else "Measure", rec["title_zh"] if zh else f"{rec['title_en']} ({rec['title_zh']})"),
        (
            "所属行动" if zh else "Action",
            f"{rec['action']}. {actions.loc[rec['action'], 'name_zh' if zh else 'name_en']}",
        ),
        ("类型" if zh else "Kind", f"{KIND[rec['kind']][lang]} · {FORM[rec['form']][lang]}"),
        ("原文" if zh else "Article's words", rec["summary_zh"]),
        ("目标" if zh else "Target", target or ("—")),
        ("地点" if zh else "Place", rec["place"] or "—"),
        ("涉及县市区" if zh else "Districts", counties or ("全市" if zh else "city-wide")),
        ("位置精度" if zh else "Precision", precision),
        ("位置来源" if zh else "Location source", rec["geometry_source"]),
        ("编号" if zh else "ID", rec["id"]),
    ]
    if rec.get("changed"):
        rows.insert(
            0,
            (
                "已修改" if zh else "Changed",
                f"{rec.get('changed_by', '')} {rec.get('changed_at', '')} ({rec.get('origin', '')})",
            ),
        )
    return rows
