"""The project register: one row per measure of the article, with its schema.

The register is a UTF-8 CSV a planner can open in Excel (``geodata/register.csv``).
:func:`validate_register` checks every row against the schema and collects every
problem before reporting, so one run shows everything that needs fixing.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

from layers._errors import Problem, RegisterError
from layers._paths import REGISTER_CSV
from layers.geo.actions import load_actions

#: Columns every register must have, in the order we write them.
FIELDS = (
    "id",
    "action",
    "title_zh",
    "title_en",
    "summary_zh",
    "kind",
    "form",
    "place",
    "target",
    "target_unit",
    "year",
    "section",
)

#: Controlled vocabulary for ``kind``, with a short English gloss.
KINDS = {
    "site": "a building, campus or venue",
    "event": "a conference, festival or forum session",
    "road": "a road or elevated road",
    "bridge": "a bridge or overpass",
    "railway": "a railway line",
    "highway": "an expressway",
    "waterway": "a navigable channel or river",
    "belt": "a corridor along a river or canal",
    "area": "a demonstration or planning area",
    "zone": "a development zone or platform",
    "programme": "a programme of many projects, with or without a target",
    "reform": "an institutional reform with no place",
}

#: ``form``: how a measure sits on the map.
FORMS = {
    "point": "one place, geocoded from `place`",
    "line": "a line from geodata/shapes.csv named by `place`",
    "area": "an area from geodata/shapes.csv named by `place`",
    "county": "county-wide; `place` names the county or counties (separate with ;)",
    "city": "city-wide, no single place",
    "outside": "happens outside Jining; `place` names where",
}

LINE_KINDS = {"road", "bridge", "railway", "highway", "waterway", "belt"}
_ID = re.compile(r"^A(0[1-9]|10)-\d{2}$")


def read_register(path: str | Path | None = None) -> pd.DataFrame:
    """Read the register CSV as text columns, without validating it.

    Raises :class:`RegisterError` when the file cannot be decoded as UTF-8
    (Excel's "CSV UTF-8" format) or has no header.
    """
    path = Path(path) if path is not None else REGISTER_CSV
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RegisterError(
            str(path),
            [
                Problem(
                    0,
                    "(file)",
                    f"not UTF-8 ({exc.reason} at byte {exc.start}); "
                    "in Excel use Save As > 'CSV UTF-8 (Comma delimited)'",
                )
            ],
        ) from None
    if not text.strip():
        raise RegisterError(str(path), [Problem(1, "(file)", "the file is empty")])
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return df.apply(lambda col: col.str.strip())


def validate_register(df: pd.DataFrame) -> list[Problem]:
    """Return every schema problem in ``df``; an empty list means valid.

    Row numbers are as Excel shows them: the header is row 1, so the first
    record is row 2.
    """
    problems: list[Problem] = []
    missing = [f for f in FIELDS if f not in df.columns]
    for f in missing:
        problems.append(Problem(1, f, "column is missing from the header; add it"))
    if missing:
        return problems

    actions = load_actions()
    seen: dict[str, int] = {}
    for i, rec in enumerate(df.to_dict("records")):
        row = i + 2

        def bad(field, message, row=row):
            problems.append(Problem(row, field, message))

        action = _check_id_and_action(rec, row, actions, seen, bad)
        _check_text_and_form(rec, bad)
        _check_numbers(rec, bad)
        if action is not None and rec["section"] != actions.loc[action, "section"]:
            bad(
                "section",
                f"{rec['section']!r} is not the heading of action {action} ({actions.loc[action, 'section']})",
            )
    return problems


def _check_id_and_action(rec: dict, row: int, actions: pd.DataFrame, seen: dict[str, int], bad) -> int | None:
    """Check a row's id (form, uniqueness: ``seen`` maps ids to their rows) and action, and
    that the id starts with its action; report through ``bad(field, message)``. Returns the
    action id, or None when it is not one."""
    rid = rec["id"]
    if not rid:
        bad("id", "empty; give a unique id like A03-12")
    elif not _ID.match(rid):
        bad("id", f"{rid!r} is not of the form A<action 01-10>-<two digits>, e.g. A03-12")
    elif rid in seen:
        bad("id", f"{rid!r} repeats the id of row {seen[rid]}; ids must be unique")
    else:
        seen[rid] = row

    action = None
    try:
        action = int(rec["action"])
        if action not in actions.index:
            raise ValueError
    except ValueError:
        bad("action", f"{rec['action']!r} is not an action id 1-10")
        action = None
    if action is not None and rid and _ID.match(rid) and int(rid[1:3]) != action:
        bad("id", f"{rid!r} does not start with its action A{action:02d}")
    return action


def _check_text_and_form(rec: dict, bad) -> None:
    """Check a row's titles and summary, its ``kind`` and ``form`` and that a located form has a place."""
    for field in ("title_zh", "title_en", "summary_zh"):
        if not rec[field]:
            bad(field, "empty; every measure needs it")

    kind, form = rec["kind"], rec["form"]
    if kind not in KINDS:
        bad("kind", f"{kind!r} is not one of: {', '.join(KINDS)}")
    if form not in FORMS:
        bad("form", f"{form!r} is not one of: {', '.join(FORMS)}")
    elif form == "line" and kind in KINDS and kind not in LINE_KINDS:
        bad("kind", f"a line cannot be of kind {kind!r}; use one of {', '.join(sorted(LINE_KINDS))}")
    if form in FORMS and form != "city" and not rec["place"]:
        bad("place", f"empty; a measure of form {form!r} needs the place to locate")


def _check_numbers(rec: dict, bad) -> None:
    """Check a row's target (a positive number, with its unit) and year."""
    target, unit = rec["target"], rec["target_unit"]
    if target:
        try:
            if float(target) <= 0:
                raise ValueError
        except ValueError:
            bad("target", f"{target!r} is not a positive number; leave it empty if the article gives none")
        if not unit:
            bad("target_unit", "empty; say what the target counts, e.g. 条 or 个")
    elif unit:
        bad("target", f"empty but target_unit is {unit!r}; give the number or clear the unit")

    try:
        year = int(rec["year"])
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        bad("year", f"{rec['year']!r} is not a year like 2020")


def load_register(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate the register; raise :class:`RegisterError` listing every problem."""
    path = Path(path) if path is not None else REGISTER_CSV
    df = read_register(path)
    problems = validate_register(df)
    if problems:
        raise RegisterError(str(path), problems)
    df = df.copy()
    df["action"] = df["action"].astype(int)
    df["year"] = df["year"].astype(int)
    df["target"] = pd.to_numeric(df["target"].replace("", None), errors="coerce")
    return df
