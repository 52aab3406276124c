"""Statistics of a selection: measures by action and district."""

from __future__ import annotations

import pandas as pd

from layers.geo.actions import load_actions
from layers.geo.boundaries import county_names


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


def stats_long(selected: pd.DataFrame, lang: str = "zh", table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The counts of :func:`stats_by_action_district` as one row per (district, action) with a
    count above zero: ``district`` (label), ``adcode`` (or ``city``/``outside``), ``order``
    (official adcode order, then 全市 and 市外), ``action`` (label), ``action_id``, ``colour``
    (the map's) and ``count``. ``table``: that function's result, when the caller has it."""
    actions = load_actions()
    table = stats_by_action_district(selected, lang) if table is None else table
    codes = [*county_names(), "city", "outside"]
    rows = []
    for order, (code, label) in enumerate(zip(codes, table.columns[:-1], strict=True)):
        for a, (row_label, count) in zip(actions.index, table[label].iloc[:-1].items(), strict=True):
            if count:
                rows.append(
                    {
                        "district": label,
                        "adcode": code,
                        "order": order,
                        "action": row_label,
                        "action_id": int(a),
                        "colour": actions.loc[a, "colour"],
                        "count": int(count),
                    }
                )
    return pd.DataFrame(rows, columns=["district", "adcode", "order", "action", "action_id", "colour", "count"])


def stats_chart(selected: pd.DataFrame, lang: str = "zh", table: pd.DataFrame | None = None):
    """A stacked bar chart (Altair) of measures per district and action: districts in
    official order, then 全市 and 市外; actions 1-10 in order, in the map's colours. Bars can
    be clicked: a point selection named ``district`` on the ``adcode`` field, which every bar
    carries (a detail channel, so it survives the aggregation)."""
    import altair as alt

    zh = lang == "zh"
    actions = load_actions()
    table = stats_by_action_district(selected, lang) if table is None else table  # computed once
    data = stats_long(selected, lang, table)
    district_order = list(table.columns[:-1])
    action_order = list(table.index[:-1])
    pick = alt.selection_point(name="district", fields=["adcode"], on="click")
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "district:N", sort=district_order, title="县市区" if zh else "District", axis=alt.Axis(labelAngle=-40)
            ),
            y=alt.Y("sum(count):Q", title="措施数" if zh else "Measures"),
            color=alt.Color(
                "action:N",
                sort=action_order,
                scale=alt.Scale(domain=action_order, range=list(actions["colour"])),
                legend=alt.Legend(title="行动" if zh else "Action", orient="bottom", columns=2, labelLimit=320),
            ),
            order=alt.Order("action_id:Q"),
            # The adcode is the selection's field: without an encoding of its own the bars'
            # aggregation drops it, and a click would select nothing.
            detail=alt.Detail("adcode:N"),
            tooltip=[
                alt.Tooltip("district:N", title="县市区" if zh else "District"),
                alt.Tooltip("action:N", title="行动" if zh else "Action"),
                alt.Tooltip("count:Q", title="措施数" if zh else "Measures"),
            ],
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.55)),
        )
        .add_params(pick)
        .properties(height=360)
    )


def stats_by_light(selected: pd.DataFrame, by: str = "action", lang: str = "zh") -> pd.DataFrame:
    """Counts of measures per progress light (columns, in the legend's order) and action or
    district (rows, ``by``), with totals; a district counts every measure that touches it
    (city-wide and outside ones in their own rows), like :func:`stats_by_action_district`.
    Without the lights joined (``light`` column), every measure has no plan."""
    from layers.labels import LIGHT_WORDS

    zh = lang == "zh"
    lights = selected["light"] if "light" in selected.columns else pd.Series("no_plan", index=selected.index)
    if by == "action":
        actions = load_actions()
        keys = pd.Series(selected["action"].to_numpy(), index=selected.index)
        name = "name_zh" if zh else "name_en"
        order = {a: f"{a}. {actions.loc[a, name]}" for a in actions.index}
        pairs = pd.DataFrame({"row": keys.map(order), "light": lights})
    else:
        names = county_names(lang)
        special = {"city": "全市" if zh else "city-wide", "outside": "市外" if zh else "outside"}
        order = {**names, **special}
        rows = []
        for rec, light in zip(selected.itertuples(), lights, strict=True):
            codes = [c for c in str(rec.county_adcodes or "").split(",") if c]
            codes += [rec.form] if rec.form in special else []
            rows += [(order[c], light) for c in codes if c in order]
        pairs = pd.DataFrame(rows, columns=["row", "light"])
    table = pd.crosstab(pairs["row"], pairs["light"]).reindex(index=list(order.values()), columns=list(LIGHT_WORDS))
    table = table.fillna(0).astype(int).rename_axis(index=None, columns=None)  # crosstab's axis names are ours
    table.columns = [LIGHT_WORDS[c][lang] for c in LIGHT_WORDS]
    total = "合计" if zh else "Total"
    table[total] = table.sum(axis=1)
    table = table[table[total] > 0] if by == "district" else table
    table.loc[total] = table.sum()
    if by == "district":  # a measure in two counties counts in both rows, once in the total
        table.loc[total] = [int((lights == c).sum()) for c in LIGHT_WORDS] + [len(selected)]
    return table
