"""The audit trail as a planner reads it: one row per changed measure with its title, the
fields that changed and their values before and after as short text, times in Jining's local
time. The store keeps whole records as JSON (undo needs them); the downloads show this."""

from __future__ import annotations

import json

import pandas as pd

from layers._text import defuse
from layers.labels import local_time

#: Fields that say nothing to a reader of the history (bookkeeping, or derived from the geometry).
_QUIET = {"county_sizes", "approximate"}
#: The longest value shown in a before/after cell.
VALUE_CHARS = 120


def _record(text) -> dict:
    if not isinstance(text, str) or not text:
        return {}
    try:
        rec = json.loads(text)
    except ValueError:
        return {}
    return rec if isinstance(rec, dict) else {}


def _geometry_text(geom) -> str:
    """A geometry in a few words: a point's coordinates, else its type and number of points."""
    if not isinstance(geom, dict) or not geom.get("type"):
        return ""
    if geom["type"] == "Point" and isinstance(geom.get("coordinates"), list):
        lon, lat = geom["coordinates"][:2]
        return f"Point {lon:.5f}, {lat:.5f}"

    def count(c):
        return 1 if c and not isinstance(c[0], list) else sum(count(x) for x in c)

    coords = geom.get("coordinates") or []
    return f"{geom['type']}, {count(coords) if isinstance(coords, list) else 0} points"


def _value(field: str, value) -> str:
    text = _geometry_text(value) if field == "geometry" else "" if value is None else str(value)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def _change(old: dict, new: dict) -> tuple[str, str, str]:
    """(fields that changed, their values before, after), each as "field: value; …"."""
    fields = [
        f for f in dict.fromkeys([*old, *new]) if f not in _QUIET and not f.startswith("_") and old.get(f) != new.get(f)
    ]
    if not old or not new:  # a new measure, or one removed: its title says enough
        fields = [f for f in ("title_zh", "geometry") if (old or new).get(f) is not None]
    before = "; ".join(f"{f}: {_value(f, old.get(f))}" for f in fields) if old else ""
    after = "; ".join(f"{f}: {_value(f, new.get(f))}" for f in fields) if new else ""
    return ", ".join(fields), before, after


def readable_history(hist: pd.DataFrame) -> pd.DataFrame:
    """``Store.history()`` as readable columns: seq, batch, at (local time), who, what,
    measure_id, title, fields, before, after, undone_by."""
    rows = []
    for rec in hist.to_dict("records"):
        old, new = _record(rec.get("old")), _record(rec.get("new"))
        fields, before, after = _change(old, new)
        rows.append(
            {
                "seq": rec["seq"],
                "batch": rec["batch"],
                "at": local_time(rec["at"]),
                "who": rec["who"],
                "what": rec["what"],
                "measure_id": rec["measure_id"],
                "title": (new or old).get("title_zh", ""),
                "fields": fields,
                "before": before,
                "after": after,
                "undone_by": rec.get("undone_by") or "",
            }
        )
    columns = ["seq", "batch", "at", "who", "what", "measure_id", "title", "fields", "before", "after", "undone_by"]
    return pd.DataFrame(rows, columns=columns)


def history_csv(readable: pd.DataFrame) -> bytes:
    """A :func:`readable_history` frame as CSV bytes (UTF-8 with BOM, for Excel), every text
    cell defused against formula injection (a ``who`` of ``=HYPERLINK(…)`` stays text)."""
    out = readable.copy()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(defuse)
    return out.to_csv(index=False).encode("utf-8-sig")
