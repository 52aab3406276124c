"""What a save did, said once after the rerun that follows it, in the section that saved."""

from __future__ import annotations

import streamlit as st

from layers.edits.changes import save_summary
from layers.edits.store import Store
from layers.labels import t


def saved(state, section: str, lang: str, batch: str | None, known_ids) -> None:
    """Remember what a save did, for the section to say after the rerun (:func:`said`)."""
    with Store(read_only=True) as store:
        summary = save_summary(store.history(), batch, known_ids)
    state["flash"] = (section, t("saved_n", lang, **summary) if summary["n"] else t("saved_none", lang))


def said(state, section: str) -> None:
    """The message of the last save made in ``section``, once. Its place is kept (empty)
    when there is none, so the message never moves the section's map (see ``ui.edit.render``)."""
    slot = st.empty()
    flash = state.get("flash")
    if flash and flash[0] == section:
        slot.success(state.pop("flash")[1])
