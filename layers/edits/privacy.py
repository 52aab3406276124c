"""What a visitor who is not signed in sees of the editors: never their account names.

Account names are half of a sign-in, and a list of them is what a guesser needs first. For a
visitor who is not signed in, every place that shows who changed something gets a neutral
word instead (``EDITOR_WORD``): the history table and its CSV download, the merged
projects' ``changed_by`` (the detail panel, the register table, every export) and the
``manual: set by NAME on …`` note of a hand-corrected location (``geometry_source``, also
inside the records' JSON in the history). Signed-in users see the names.
"""

from __future__ import annotations

import re

import pandas as pd

#: The neutral word that stands for any account name.
EDITOR_WORD = {"zh": "编辑人员", "en": "an editor"}

# "manual: set by WHO on WHEN (METHOD)" (layers.edits.changes.with_location), also inside JSON text.
_SET_BY = re.compile(r"manual: set by [^\"\n]*? on (?=\d{4}-\d{2}-\d{2})")


def editor_word(lang: str) -> str:
    return EDITOR_WORD.get(lang, EDITOR_WORD["en"])


def mask_source(text, lang: str = "en"):
    """A location's source note with the name of whoever set it replaced (other text as is)."""
    if not isinstance(text, str) or "manual: set by " not in text:
        return text
    return _SET_BY.sub(f"manual: set by {editor_word(lang)} on ", text)


def mask_history(hist: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The audit trail (``Store.history``) without account names: ``who`` is the neutral
    word, and the names in the records' source notes (``old``, ``new``) are replaced."""
    out = hist.copy()
    word = editor_word(lang)
    if "who" in out:
        out["who"] = [word if str(w or "").strip() else w for w in out["who"]]
    for col in ("old", "new"):
        if col in out:
            out[col] = out[col].map(lambda v: mask_source(v, lang))
    return out


def mask_projects(projects: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The merged projects (``changes.merge_changes``) without account names: ``changed_by``
    is the neutral word where it is set, and hand-set locations' notes name nobody."""
    named = projects["changed_by"].fillna("").astype(str) != "" if "changed_by" in projects else None
    manual = (
        projects["geometry_source"].fillna("").astype(str).str.contains("manual: set by ", regex=False)
        if "geometry_source" in projects
        else None
    )
    if not ((named is not None and named.any()) or (manual is not None and manual.any())):
        return projects
    out = projects.copy()
    if named is not None:
        out.loc[named, "changed_by"] = editor_word(lang)
    if manual is not None:
        out.loc[manual, "geometry_source"] = out.loc[manual, "geometry_source"].map(lambda v: mask_source(v, lang))
    return out
