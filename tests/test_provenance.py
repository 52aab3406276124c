import json

import pandas as pd

from layers._paths import GEODATA, PROVENANCE_JSON

KEYS = {"source", "license", "retrieved", "crs", "script"}


def test_every_geodata_file_has_provenance():
    prov = json.loads(PROVENANCE_JSON.read_text(encoding="utf-8"))
    files = {p.relative_to(GEODATA).as_posix() for p in GEODATA.rglob("*") if p.is_file()}
    assert files == set(prov), f"undocumented: {files - set(prov)}; stale: {set(prov) - files}"
    for name, meta in prov.items():
        assert KEYS <= set(meta), name
        assert all(str(meta[k]).strip() for k in KEYS), name


def test_every_gazetteer_row_has_a_source():
    g = pd.read_csv(GEODATA / "gazetteer.csv", dtype=str, keep_default_na=False)
    assert (g["source"].str.len() > 20).all()
    direct = g[g["derive"] == ""]
    # A direct coordinate cites where it was read: a URL, GeoNames, or a named repository.
    assert direct["source"].str.contains(r"https?://|GeoNames|GitHub").all()


def test_every_shape_says_how_it_was_built():
    s = pd.read_csv(GEODATA / "shapes.csv", dtype=str, keep_default_na=False)
    assert (s["description"].str.len() > 20).all() and (s["source"].str.len() > 10).all()
