"""The register merged with the planner's saved changes, and building changed records.

A stored record is a JSON object with the register fields, the location fields
and ``geometry`` (a GeoJSON geometry in WGS-84, or null). Its ``id`` decides
what it is: the id of a register measure means a correction of that measure
(the register file itself is never touched); any other id is a new measure.
"""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import mapping, shape

from layers.geo.build import LOCATION_FIELDS, site_groups
from layers.geo.register import FIELDS

RECORD_FIELDS = (*FIELDS, *LOCATION_FIELDS)


def record_from_row(row: pd.Series | dict) -> dict:
    """A JSON-ready record from a projects row."""
    row = dict(row)
    rec = {}
    for f in RECORD_FIELDS:
        v = row.get(f)
        if isinstance(v, float) and pd.isna(v):
            v = None
        elif hasattr(v, "item"):
            v = v.item()
        rec[f] = v
    geom = row.get("geometry")
    rec["geometry"] = mapping(geom) if geom is not None and not (isinstance(geom, float)) else None
    rec["origin"] = row.get("origin") or "register"
    return rec


def changes_key(stored: dict[str, dict]) -> str:
    """A short key that changes whenever the stored changes do (any save or undo): caches
    of anything drawn from the merged projects are keyed by it. It hashes every stored
    field, versions and times included."""
    import hashlib

    return hashlib.sha256(json.dumps(stored, sort_keys=True, default=str).encode()).hexdigest()[:16]


def merge_changes(projects: gpd.GeoDataFrame, stored: dict[str, dict]) -> gpd.GeoDataFrame:
    """The register's projects with the stored records applied.

    Adds ``changed`` (bool), ``origin`` (register, import, manual), ``changed_by``
    and ``changed_at``. Register order is kept; new measures follow in id order.
    """
    base = projects.copy()
    base["changed"] = False
    base["origin"] = "register"
    base["changed_by"] = ""
    base["changed_at"] = ""
    if not stored:
        return base
    rows = []
    by_id = {r: i for i, r in enumerate(base["id"])}
    new_rows = []
    for mid, rec in stored.items():
        row = {f: rec.get(f) for f in RECORD_FIELDS}
        row["geometry"] = shape(rec["geometry"]) if rec.get("geometry") else None
        row.update(
            changed=True,
            origin=rec.get("origin", "import"),
            changed_by=rec.get("_updated_by", ""),
            changed_at=rec.get("_updated_at", ""),
        )
        if mid in by_id:
            rows.append((by_id[mid], row))
        else:
            new_rows.append(row)
    for i, row in rows:
        for k, v in row.items():
            base.at[base.index[i], k] = v
    if new_rows:
        extra = gpd.GeoDataFrame(new_rows, geometry="geometry", crs=base.crs)
        base = pd.concat([base, extra], ignore_index=True)
        base = gpd.GeoDataFrame(base, geometry="geometry", crs=projects.crs)
    for col, kind in (("action", int), ("year", int)):
        base[col] = base[col].astype(kind)
    base["target"] = pd.to_numeric(base["target"], errors="coerce")
    base["precision_m"] = pd.to_numeric(base["precision_m"], errors="coerce")
    base["approximate"] = base["approximate"].fillna(False).astype(bool)
    base["site_group"] = site_groups(base)  # a moved measure may join or leave a shared place
    return base


def apply_store(projects: gpd.GeoDataFrame, stored: dict[str, dict]) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """The register merged with the stored records that pass :mod:`layers.edits.validate`, and the
    others (id → problem), which are quarantined: left out of the map and the exports, and
    listed, so one bad stored record never takes a page down."""
    from layers.edits.validate import split_valid

    good, bad = split_valid(stored)
    return merge_changes(projects, good), bad


def with_location(rec: dict, geom, who: str, method: str, precision_m: float) -> dict:
    """``rec`` with a manually set geometry: precision "manual", who and when in the source.

    The districts are recomputed from the geometry and ``precision_m``
    (:func:`layers.geo.precision.districts_within`: every county it lies in or comes within its
    precision of), and the form follows the geometry (point, line or area; never 全市 or a
    county-wide form for a drawn feature), except that a measure marked ``outside`` (市外)
    stays so. A geometry outside Jining by more than its precision is refused (ValueError with
    a :class:`~layers._errors.Msg`, :func:`layers.geo.precision.check_inside`) unless the
    measure is marked ``outside``."""
    from layers.geo.precision import check_inside, districts_within

    geom = shapely.make_valid(geom) if geom.geom_type.endswith("Polygon") else geom
    check_inside(geom, rec.get("form"), precision_m)
    when = dt.datetime.now().astimezone().isoformat(timespec="minutes")
    out = dict(rec)
    out["geometry"] = mapping(geom)
    out["precision"] = "manual"
    out["precision_m"] = float(precision_m)
    out["approximate"] = False
    out["origin"] = "manual"
    sizes = districts_within(geom, precision_m)
    out["county_adcodes"] = ",".join(sizes)
    if geom.geom_type in ("Point", "MultiPoint"):
        out["county_sizes"] = ""
        kind = "point"
    else:
        out["county_sizes"] = json.dumps(sizes, ensure_ascii=False)
        kind = "line" if "Line" in geom.geom_type else "area"
    out["form"] = "outside" if rec.get("form") == "outside" else kind
    out["geometry_source"] = f"manual: set by {who or 'unknown'} on {when} ({method})"
    return out


def save_summary(history: pd.DataFrame, batch: str | None, known_ids=None) -> dict[str, int]:
    """What one save did, from the history: ``n`` rows written, ``new`` ones and ``updated``
    ones. For measures, new are those the map did not have before (``known_ids``: the ids
    shown before the save); without ``known_ids`` (plans and reports), new are those the
    store did not hold. A save that changed nothing (``batch`` None): all zero."""
    if batch is None or history.empty:
        return {"n": 0, "new": 0, "updated": 0}
    rows = history[history["batch"] == batch]
    if known_ids is None:
        new = int(rows["old"].isna().sum())
        return {"n": len(rows), "new": new, "updated": len(rows) - new}
    ids = set(rows["measure_id"])
    new = len(ids - set(known_ids))
    return {"n": len(ids), "new": new, "updated": len(ids) - new}
