"""Statistics of a selection: measures by action and district."""

from __future__ import annotations

import pandas as pd

from layers.actions import load_actions
from layers.boundaries import county_names


def stats_by_action_district(selected: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Counts of measures with actions as rows and districts as columns.

    A measure touching two counties counts in both; city-wide and outside
    measures have their own columns; the last row and column are totals of
    distinct measures.
    """
    zh = lang == "zh"
    actions = load_actions()
    names = county_names()
    cols = list(names) + ["city", "outside"]
    col_label = {**names, "city": "全市" if zh else "city-wide", "outside": "市外" if zh else "outside"}
    if not zh:
        col_label.update({code: name.split()[0] for code, name in county_names("en").items()})
    table = pd.DataFrame(0, index=list(actions.index), columns=cols)
    for rec in selected.itertuples():
        if rec.form == "city":
            table.loc[rec.action, "city"] += 1
        elif rec.form == "outside":
            table.loc[rec.action, "outside"] += 1
        for code in filter(None, str(rec.county_adcodes or "").split(",")):
            table.loc[rec.action, code] += 1
    total_label = "合计" if zh else "Total"
    table[total_label] = selected.groupby("action").size().reindex(table.index, fill_value=0)
    table.loc[total_label] = table.sum()
    table.loc[total_label, total_label] = len(selected)
    name = "name_zh" if zh else "name_en"
    table.index = [f"{a}. {actions.loc[a, name]}" if a != total_label else a for a in table.index]
    return table.rename(columns=col_label)
