"""The edit tab's progress section (进度填报): the reporting workbook of the measures the
filters show, and a filled one uploaded, reviewed (rows, lights that change) and saved as
one batch under the signed-in account.

The workbook, its review and its bounds are ``layers.progress.workbook*``'s.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import partial

import streamlit as st

from layers._errors import describe
from layers.edits.importer import ImportFileError
from layers.edits.store import ConflictError, Store, StoreWriteError
from layers.labels import LIGHT_WORDS, md_escape, t
from layers.progress.workbook import template
from layers.progress.workbook_review import review_workbook
from ui.messages import conflict_choice, said, saved


@st.cache_data(max_entries=8, show_spinner=False)
def _template(data_version: str, ids: tuple, asof: dt.date, lang: str, _projects) -> bytes:
    """The workbook of the listed measures, pre-filled as of ``asof``: once per data version,
    selection, date and language (``_projects`` is not hashed: the keys stand for it)."""
    with Store(read_only=True) as store:
        return template(_projects, unit=None, asof=asof, store=store, lang=lang)


@st.cache_data(max_entries=8, show_spinner=False)
def _review(digest: str, name: str, data_version: str, who: str, today: dt.date, asof: dt.date, _data, _ids):
    """A filled workbook reviewed once per content (by hash), store state and dates."""
    with Store(read_only=True) as store:
        return review_workbook(_data, name, _ids, reporter=who, store=store, today=today, asof=asof)


def render(projects, selected, lang: str, who: str, state, data_version: str, today: dt.date) -> None:
    """The section: download the template of ``selected``, upload a filled workbook."""
    st.subheader(t("prog_heading", lang))
    said(state, "progress")
    st.caption(t("prog_caption", lang))
    asof = state.get("asof", today)
    st.download_button(
        t("prog_template", lang, n=len(selected)),
        # Made when the button is pressed, not on every run of the tab.
        partial(_template, data_version, tuple(selected["id"]), asof, lang, selected),
        file_name=t("prog_file_name", lang, asof=asof),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="prog_template",
        disabled=selected.empty,
    )
    up = st.file_uploader(t("prog_file", lang), type=["xlsx"], key="prog_file")
    if up is None:
        return
    data = up.getvalue()
    try:
        review = _review(
            hashlib.sha256(data).hexdigest(), up.name, data_version, who, today, asof, data, tuple(projects["id"])
        )
    except (ImportFileError, ValueError) as exc:
        st.error(md_escape(describe(exc, lang)))
        return
    st.write(review.text(lang).splitlines()[0])
    st.dataframe(review.table(lang), hide_index=True, width="stretch", key="prog_preview")
    if review.has_errors:
        st.error(t("imp_errors", lang))
        return
    choice = conflict_choice(len(review.conflicts), lang, "prog_conflict") if review.conflicts else None
    if review.conflicts and choice is None:
        return
    _light_changes(review, choice, asof, lang)
    rows = review.to_save(choice)
    if not rows:
        st.info(t("imp_nothing", lang))
        return
    if st.button(t("imp_save", lang, n=len(rows)), key="prog_save", type="primary"):
        try:
            with Store() as store:
                batch = review.save(store, who, choice)
        except (ConflictError, StoreWriteError) as exc:
            st.error(md_escape(describe(exc, lang)))
            return
        saved(state, "progress", lang, batch, None)
        st.rerun()


def _light_changes(review, choice, asof: dt.date, lang: str) -> None:
    """Which lights the save changes, as of the view's date."""
    changes = review.light_changes(choice)
    if not changes:
        st.caption(t("prog_no_light_change", lang, asof=asof))
        return
    word = {c: w[lang] for c, w in LIGHT_WORDS.items()}
    lines = [t("prog_light_change", lang, id=md_escape(mid), old=word[a], new=word[b]) for mid, a, b in changes]
    st.markdown(t("prog_light_changes", lang, asof=asof) + "\n" + "\n".join(lines))
