"""Coordinate systems used by Chinese web maps: GCJ-02 and BD-09, plus helpers.

PROJ does not implement GCJ-02 (it is an obfuscation, not a datum; PROJ issue #982
was closed as won't-fix), so the forward formula is written out here. The usual
one-step inverse found in most libraries is off by up to 3 m over Jining; we invert
by fixed-point iteration on the forward formula instead, which converges to well
under a millimetre in three or four steps (see ``tests/test_coords.py``).

Everything is vectorised with numpy: scalars and arrays are both accepted.
Projected work (areas, lengths) uses pyproj with CGCS2000 3-degree Gauss-Krüger
zone 39 (central meridian 117°E, EPSG:4548), which covers Jining.
"""

from __future__ import annotations

import numpy as np
from pyproj import Transformer

# Krasovsky 1940 ellipsoid parameters used by the GCJ-02 algorithm.
_A = 6378245.0
_EE = 0.00669342162296594323
_BD_X_PI = np.pi * 3000.0 / 180.0

#: CGCS2000 / 3-degree Gauss-Kruger CM 117E: metric CRS for areas and lengths.
GK_CRS = "EPSG:4548"
#: The same zone with the zone number prefixed to the easting (39xxxxxx).
GK_CRS_PREFIXED = "EPSG:4527"
WGS84 = "EPSG:4326"
CGCS2000 = "EPSG:4490"

_INVERSE_ITERATIONS = 4


def _delta(lon, lat):
    """GCJ-02 offset (dlon, dlat) in degrees at WGS-84 position (lon, lat)."""
    x = lon - 105.0
    y = lat - 35.0
    sx = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx + common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx + common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = dlon * 180.0 / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def _as_float(lon, lat):
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def _ret(lon, lat):
    if lon.ndim == 0:
        return float(lon), float(lat)
    return lon, lat


def wgs84_to_gcj02(lon, lat):
    """WGS-84 to GCJ-02 (the forward, exact formula)."""
    lon, lat = _as_float(lon, lat)
    dlon, dlat = _delta(lon, lat)
    return _ret(lon + dlon, lat + dlat)


def gcj02_to_wgs84(lon, lat, iterations: int = _INVERSE_ITERATIONS):
    """GCJ-02 to WGS-84 by fixed-point iteration on the forward formula.

    Start from the GCJ-02 position and repeatedly correct the guess by the
    residual of the forward transform. The first step equals the common
    one-step inverse; each further step shrinks the error by about 200x.
    """
    glon, glat = _as_float(lon, lat)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(iterations):
        dlon, dlat = _delta(wlon, wlat)
        wlon = wlon - (wlon + dlon - glon)
        wlat = wlat - (wlat + dlat - glat)
    return _ret(wlon, wlat)


def gcj02_to_bd09(lon, lat):
    """GCJ-02 to BD-09 (Baidu), the forward formula."""
    x, y = _as_float(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_X_PI)
    return _ret(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006)


def bd09_to_gcj02(lon, lat, iterations: int = _INVERSE_ITERATIONS):
    """BD-09 to GCJ-02, iterated on the forward formula like the GCJ-02 inverse."""
    blon, blat = _as_float(lon, lat)
    glon, glat = blon - 0.0065, blat - 0.006
    for _ in range(iterations):
        flon, flat = gcj02_to_bd09(glon, glat)
        glon = glon - (np.asarray(flon) - blon)
        glat = glat - (np.asarray(flat) - blat)
    return _ret(glon, glat)


def wgs84_to_bd09(lon, lat):
    """WGS-84 to BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat):
    """BD-09 to WGS-84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_TO_WGS84 = {
    "wgs84": lambda lon, lat: _ret(*_as_float(lon, lat)),
    "cgcs2000": lambda lon, lat: _ret(*_as_float(lon, lat)),
    "gcj02": gcj02_to_wgs84,
    "bd09": bd09_to_wgs84,
}
_FROM_WGS84 = {
    "wgs84": lambda lon, lat: _ret(*_as_float(lon, lat)),
    "cgcs2000": lambda lon, lat: _ret(*_as_float(lon, lat)),
    "gcj02": wgs84_to_gcj02,
    "bd09": wgs84_to_bd09,
}
_GK = Transformer.from_crs(WGS84, GK_CRS, always_xy=True)
_PROJECTED_TO = {
    "epsg:4548": Transformer.from_crs(GK_CRS, WGS84, always_xy=True),
    "epsg:4527": Transformer.from_crs(GK_CRS_PREFIXED, WGS84, always_xy=True),
}
_PROJECTED_FROM = {
    "epsg:4548": _GK,
    "epsg:4527": Transformer.from_crs(WGS84, GK_CRS_PREFIXED, always_xy=True),
}


def _via(transformer):
    def convert(x, y):
        return _ret(*(np.asarray(v, dtype=float) for v in transformer.transform(*_as_float(x, y))))

    return convert


for _code in _PROJECTED_TO:
    _TO_WGS84[_code] = _via(_PROJECTED_TO[_code])
    _FROM_WGS84[_code] = _via(_PROJECTED_FROM[_code])

#: Systems we can convert between: geographic WGS-84, CGCS2000 (equal to WGS-84 at
#: map scale: centimetres), GCJ-02 and BD-09, and CGCS2000 3-degree Gauss-Krüger
#: zone 39 without (EPSG:4548) and with (EPSG:4527) the zone prefix on eastings.
SYSTEMS = tuple(_TO_WGS84)
#: Other names planners type for the same systems.
ALIASES = {
    "wgs-84": "wgs84",
    "gps": "wgs84",
    "epsg:4326": "wgs84",
    "4326": "wgs84",
    "gcj-02": "gcj02",
    "amap": "gcj02",
    "gaode": "gcj02",
    "tencent": "gcj02",
    "高德": "gcj02",
    "bd-09": "bd09",
    "baidu": "bd09",
    "百度": "bd09",
    "cgcs-2000": "cgcs2000",
    "epsg:4490": "cgcs2000",
    "4490": "cgcs2000",
    "4548": "epsg:4548",
    "4527": "epsg:4527",
}


def canonical_system(system: str) -> str:
    """The canonical name of a coordinate system; ValueError lists the choices."""
    key = str(system).strip().lower()
    key = ALIASES.get(key, key)
    if key not in _TO_WGS84:
        raise ValueError(f"Unknown coordinate system {system!r}; use one of {', '.join(SYSTEMS)}.")
    return key


def is_projected(system: str) -> bool:
    return canonical_system(system).startswith("epsg:")


def to_wgs84(lon, lat, system: str):
    """Convert from ``system`` (one of :data:`SYSTEMS`, or an alias) to WGS-84 lon/lat."""
    return _TO_WGS84[canonical_system(system)](lon, lat)


def from_wgs84(lon, lat, system: str):
    """Convert WGS-84 lon/lat to ``system`` (one of :data:`SYSTEMS`, or an alias)."""
    return _FROM_WGS84[canonical_system(system)](lon, lat)


def distance_m(lon1, lat1, lon2, lat2):
    """Distance in metres between WGS-84 points, measured in the Gauss-Krüger plane.

    Accurate to well under 0.1% inside Jining (scale error of the zone near
    its central meridian), which is what we need for precision checks.
    """
    x1, y1 = _GK.transform(lon1, lat1)
    x2, y2 = _GK.transform(lon2, lat2)
    return np.hypot(np.asarray(x2) - x1, np.asarray(y2) - y1)


def transform_geometry(geom, func):
    """Apply a vectorised ``func(lon, lat) -> (lon, lat)`` to every vertex of a shapely geometry."""
    import shapely

    def _apply(xy):
        lon, lat = func(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, _apply)
