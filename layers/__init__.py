"""Jining "十大攻坚行动" map layers: register, gazetteer, geocoder, boundaries and builds.

Plain functions with no Streamlit dependency; ``app.py`` is a thin UI over them.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd

from layers._errors import DataError, GazetteerError, Problem, RegisterError
from layers.geo.actions import load_actions
from layers.geo.boundaries import county_at, load_city, load_counties
from layers.geo.context import load_context
from layers.geo.gazetteer import Geocoder, GeocodeResult, geocode, normalise
from layers.geo.register import load_register, validate_register


@lru_cache(maxsize=4)
def _projects(prebuilt: str | None) -> gpd.GeoDataFrame:
    if prebuilt:
        from layers.geo.build import read_projects

        return read_projects(prebuilt)
    from layers.geo.build import projects_from_register

    return projects_from_register()


def load_projects() -> gpd.GeoDataFrame:
    """Every register record with its location, as a GeoDataFrame in EPSG:4326.

    With the environment variable ``JINING_PROJECTS`` set to a projects file made by
    ``python -m layers build`` (or by ``bench/synthetic.py``), that file is loaded
    instead of building from the register: benchmarks use it to run the app on
    large synthetic registers.
    """
    import os

    return _projects(os.environ.get("JINING_PROJECTS") or None).copy()


def data_key(stored: dict[str, dict] | str) -> str:
    """Identifies the data the app shows: the projects source (``JINING_PROJECTS`` or the
    register) and the stored changes: either the records themselves (hashed by
    ``changes.changes_key``) or a store's ``Store.data_version()``. Caches are keyed by it."""
    import os

    from layers.edits.changes import changes_key

    part = stored if isinstance(stored, str) else changes_key(stored)
    return f"{os.environ.get('JINING_PROJECTS') or 'register'}:{part}"


__all__ = [
    "DataError",
    "GazetteerError",
    "GeocodeResult",
    "Geocoder",
    "Problem",
    "RegisterError",
    "county_at",
    "data_key",
    "geocode",
    "load_actions",
    "load_city",
    "load_context",
    "load_counties",
    "load_projects",
    "load_register",
    "normalise",
    "validate_register",
]
