"""The catalogue of the ten actions (十大攻坚行动), ids 1-10 in the article's order.

Colours are Paul Tol's "muted" qualitative scheme (nine colours designed to stay
distinguishable for colour-blind readers and in greyscale print) plus a dark grey
for the tenth; every action also has a one-character symbol so that colour is
never the only cue.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from layers._errors import DataError, Problem
from layers._paths import ACTIONS_CSV

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


@lru_cache(maxsize=1)
def load_actions() -> pd.DataFrame:
    """Return the action catalogue indexed by ``id`` (1-10)."""
    df = pd.read_csv(ACTIONS_CSV, dtype={"id": int}, encoding="utf-8", keep_default_na=False)
    problems = []
    for i, row in df.iterrows():
        if not _HEX.match(row["colour"]):
            problems.append(Problem(i + 2, "colour", f"{row['colour']!r} is not a #RRGGBB colour"))
        if not row["symbol"]:
            problems.append(Problem(i + 2, "symbol", "empty; give a one-character symbol"))
    if sorted(df["id"]) != list(range(1, 11)):
        problems.append(Problem(1, "id", "ids must be exactly 1-10"))
    if problems:
        raise DataError(str(ACTIONS_CSV), problems)
    return df.set_index("id")
