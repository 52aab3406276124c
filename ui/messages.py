"""What a save will do and did: the choice a conflict needs before saving, and what a save
did, said after the rerun that follows it, in the section that saved, for a minute."""

from __future__ import annotations

import time

import streamlit as st

from layers.edits.changes import save_summary
from layers.edits.importer import CONFLICT_CHOICES
from layers.edits.store import Store
from layers.labels import t


def saved(state, section: str, lang: str, batch: str | None, known_ids) -> None:
    """Remember what a save did, for the section to say after the rerun (:func:`said`)."""
    with Store(read_only=True) as store:
        summary = save_summary(store.history(), batch, known_ids)
    state["flash"] = (
        section,
        t("saved_n", lang, **summary) if summary["n"] else t("saved_none", lang),
        time.monotonic(),
    )


#: How long a save's message stays (s). Not one run only: a map redrawn after the save reports
#: its view back to the app, and the run that follows took the message away before it was read.
FLASH_SECONDS = 60


def said(state, section: str) -> None:
    """The message of the last save made in ``section``, for :data:`FLASH_SECONDS`. Its place
    is kept (empty) when there is none, so the message never moves the section's map (see
    ``ui.edit.render``)."""
    slot = st.empty()
    flash = state.get("flash")
    if flash and flash[0] == section:
        if time.monotonic() - flash[2] <= FLASH_SECONDS:
            slot.success(flash[1])
        else:
            state.pop("flash")


def conflict_choice(n: int, lang: str, key: str) -> str | None:
    """``n`` rows would replace what is stored: the planner's choice (keep, replace, skip),
    None until one is made (nothing is saved without it)."""
    st.warning(t("imp_conflicts", lang, n=n))
    return st.radio(
        t("imp_conflict_rows", lang),
        CONFLICT_CHOICES,
        index=None,
        key=key,
        horizontal=True,
        format_func=lambda c: t(f"conflict_{c}", lang),
    )
