"""Where the curated data lives. Only paths here; no mutable settings."""

from pathlib import Path

GEODATA = Path(__file__).resolve().parents[1] / "geodata"
ACTIONS_CSV = GEODATA / "actions.csv"
REGISTER_CSV = GEODATA / "register.csv"
GAZETTEER_CSV = GEODATA / "gazetteer.csv"
SHAPES_CSV = GEODATA / "shapes.csv"
COUNTIES_GEOJSON = GEODATA / "boundaries" / "counties.geojson"
CITY_GEOJSON = GEODATA / "boundaries" / "city.geojson"
PROVENANCE_JSON = GEODATA / "provenance.json"
ARTICLE_TXT = GEODATA / "source" / "jining_ten_actions_2020.txt"
TOWNS_CSV = GEODATA / "towns.csv"
CONTEXT_DIR = GEODATA / "context"
