"""The export tab's briefing options: the 责任单位 of a unit's pack and the date of the last
meeting for the 变化情况 page, and the briefing the pack is made from (read from the store,
read only, when the button is pressed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from layers.edits.store import Store
from layers.labels import t
from layers.progress import store as progress
from layers.progress.briefing import Briefing, from_store, units_in_order
from ui.progress_panel import ids_key


@dataclass(frozen=True)
class BriefingChoice:
    unit: str | None = None
    since: dt.date | None = None


@st.cache_resource(max_entries=16, show_spinner=False)
def _units(data_version: str, ids_key: str, _ids: tuple) -> list[str]:
    """The 责任单位 named by the plans of the selection's measures, in the order of their first
    measure (as the pack's pages come), once per data version and selection."""
    with Store(read_only=True) as store:
        plans = progress.plans(store, list(_ids))
    return units_in_order((mid, plan.unit) for mid, plan in plans.items())


def briefing_choice(cols, selected, data_version: str, asof: dt.date, lang: str, state) -> BriefingChoice:
    """The unit and the since date of a briefing pack, chosen in the export tab's columns:
    only the units with measures in the selection are offered."""
    ids = tuple(selected["id"])
    units = _units(data_version, ids_key(ids), ids)
    all_units = t("x_unit_all", lang)
    unit = cols[0].selectbox(t("x_unit", lang), [all_units, *units], key="x_unit")
    since = None
    if cols[1].checkbox(t("x_changes", lang), value=True, key="x_changes"):
        if state.get("x_since") is None or state["x_since"] >= asof:
            state["x_since"] = min(state.get("since") or asof - dt.timedelta(days=30), asof - dt.timedelta(days=1))
        since = cols[1].date_input(t("x_since", lang), key="x_since", max_value=asof - dt.timedelta(days=1))
    st.caption(t("x_battle_note" if unit == all_units else "x_battle_note_unit", lang))
    return BriefingChoice(None if unit == all_units else unit, since)


def briefing_of(selected, asof: dt.date, choice: BriefingChoice) -> Briefing:
    """The briefing of the selection as of ``asof`` (and since the chosen date)."""
    with Store(read_only=True) as store:
        return from_store(store, list(selected["id"]), asof, choice.since)
