"""Progress in the app: each measure's light as of the view's date, a measure's progress
under its details, and what changed since the last meeting (变化情况).

The rule and the text are ``layers.progress``'s; this module reads the store (read only)
once per data version and date, and draws.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import streamlit as st

from layers.edits.store import Store
from layers.labels import md_escape, t
from layers.progress import store as progress
from layers.progress.view import progress_details, with_lights


@st.cache_resource(max_entries=16, show_spinner=False)
def _lights(data_version: str, asof: dt.date, _ids: tuple):
    """Every measure's light as of ``asof``, and whether any plan or report is stored: read
    once per data version (which every save changes) and date (``_ids`` follow the version)."""
    with Store(read_only=True) as store:
        table = progress.lights_asof(store, list(_ids), asof)
        any_progress = progress.has_progress(store)
    return table, any_progress


def with_lights_asof(projects, data_version: str, asof: dt.date):
    """``projects`` with their lights as of ``asof`` (``layers.progress.view.with_lights``),
    and whether any progress has been reported at all."""
    table, any_progress = _lights(data_version, asof, tuple(projects["id"]))
    return with_lights(projects, table, asof), any_progress


def details(rec, asof: dt.date, lang: str) -> None:
    """The selected measure's progress as of ``asof``, under its details: light, plan, latest
    report, milestones and reports (text typed by people is escaped)."""
    with Store(read_only=True) as store:
        plan = progress.plans(store, [rec["id"]]).get(rec["id"])
        reports = progress.reports(store, rec["id"])
    row = {k.removeprefix("light_"): rec.get(k) for k in rec.index if k.startswith("light")}
    row["light"] = rec.get("light")
    st.markdown(f"**{t('progress_heading', lang)}**")
    for label, value in progress_details(plan, reports, row, asof, lang):
        lines = "  \n".join(md_escape(line) for line in str(value).splitlines())
        st.markdown(f"**{md_escape(label)}**  \n{lines}")


@st.cache_resource(max_entries=16, show_spinner=False)
def _changes(data_version: str, ids_key: str, since: dt.date, asof: dt.date, _ids: tuple):
    """The changes and new reports of a period, once per data version, selection and dates."""
    from layers.progress.changes import changes_between, report_counts

    with Store(read_only=True) as store:
        return changes_between(store, list(_ids), since, asof), report_counts(store, list(_ids), since, asof)


def ids_key(ids) -> str:
    """A short key of a selection's measure ids, for the caches that hold one value per selection."""
    return hashlib.sha1("|".join(ids).encode()).hexdigest()[:12]


def changes_section(selected, data_version: str, asof: dt.date, lang: str, state) -> None:
    """变化情况: what changed since the last meeting (a date before the view's as-of date,
    by default 30 days before): lights that changed, milestones met or newly overdue,
    measures gone unreported, and how many reports came in."""
    from layers.progress.view import changes_table

    st.markdown(f"**{t('changes_heading', lang)}**")
    default = asof - dt.timedelta(days=30)
    if state.get("since") is None or state["since"] >= asof:
        state["since"] = default
    since = st.date_input(t("changes_since", lang), key="since", max_value=asof - dt.timedelta(days=1))
    ids = tuple(selected["id"])
    key = ids_key(ids)
    changes, counts = _changes(data_version, key, since, asof, ids)
    st.caption(t("changes_counts", lang, since=since, asof=asof, n=len(changes), reports=counts["total"]))
    if changes:
        titles = dict(zip(selected["id"], selected[f"title_{lang}"], strict=True))
        st.dataframe(changes_table(changes, titles, lang), hide_index=True, width="stretch", key="changes_table")
