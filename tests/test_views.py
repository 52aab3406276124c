"""Views that tell the truth about precision (issue 23, items 4 and 6): a measure's view holds
its precision disc and never zooms in past the zoom at which the offline base map shows
towns around it; an approximate point's precision disc is drawn in metres; the functional
zones are dashed when filtered or when the selected measure lies in one."""

import math

import numpy as np
import pytest
import shapely
from pyproj import Geod

from layers import load_projects
from layers.geo.context import context_for_map
from layers.selection.filtering import ZONE_NAMES, Filters, filter_projects
from layers.webmap.map_base import APP_MAP_HEIGHT_PX, APP_MAP_WIDTH_PX, TOWN_LABEL_ZOOM
from layers.webmap.map_layers import _FeatureLayer
from layers.webmap.mapping import (
    CONTEXT_ZOOM,
    build_map,
    context_view,
    focus_view,
    highlight_group,
    overlay_groups,
)

PROJECTS = load_projects()
GEOD = Geod(ellps="WGS84")


def disc(lon: float, lat: float, metres: float) -> shapely.Polygon:
    """The disc of ``metres`` around a point, on the ellipsoid (independent of the app's code)."""
    az = np.arange(0, 360, 2.0)
    lons, lats, _ = GEOD.fwd(np.full(az.size, lon), np.full(az.size, lat), az, np.full(az.size, metres))
    return shapely.Polygon(zip(lons, lats, strict=True))


def pixel(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel coordinates at ``zoom`` (as Leaflet computes them)."""
    scale = 256 * 2**zoom
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return (lon + 180) / 360 * scale, (1 - y / math.pi) / 2 * scale


def in_viewport(shape, view, width=APP_MAP_WIDTH_PX, height=APP_MAP_HEIGHT_PX) -> bool:
    """Whether ``shape`` lies inside the app's map (``width`` x ``height`` px) at ``view``."""
    (lat, lon), zoom = view
    cx, cy = pixel(lon, lat, zoom)
    minx, miny, maxx, maxy = shape.bounds
    (x0, y1), (x1, y0) = pixel(minx, miny, zoom), pixel(maxx, maxy, zoom)
    return cx - width / 2 <= x0 and x1 <= cx + width / 2 and cy - height / 2 <= y0 and y1 <= cy + height / 2


def the(title: str):
    return PROJECTS[PROJECTS["title_zh"] == title].iloc[0]


def test_a_17_km_point_is_shown_with_its_whole_disc():
    rec = the("太白湖金融中心")
    assert rec["precision_m"] == 17000 and rec["form"] == "point"
    view = focus_view(PROJECTS, rec["id"])
    (lat, lon), zoom = view
    assert abs(lat - rec.geometry.y) < 1e-5 and abs(lon - rec.geometry.x) < 1e-5  # centred on the point
    assert in_viewport(disc(rec.geometry.x, rec.geometry.y, 17000), view)
    # And as close as that allows: one zoom closer, the disc no longer fits.
    assert not in_viewport(disc(rec.geometry.x, rec.geometry.y, 17000), ((lat, lon), zoom + 1))
    # The first view of a selection of that one measure (the keyword) is the same.
    f = Filters(q="太白湖金融中心")
    sel = filter_projects(PROJECTS, f)
    _, bounds = overlay_groups(sel, f)
    assert context_view(bounds)[1] == zoom
    assert in_viewport(disc(rec.geometry.x, rec.geometry.y, 17000), context_view(bounds))


@pytest.mark.parametrize("metres", [0, 50, 500])
def test_a_precise_point_is_not_zoomed_past_the_context_zoom(metres):
    rec = PROJECTS[PROJECTS["form"] == "point"].iloc[0].copy()
    one = PROJECTS[PROJECTS["id"] == rec["id"]].copy()
    one["precision_m"] = metres or None
    view = focus_view(one, rec["id"])
    assert view[1] == CONTEXT_ZOOM
    assert context_view(overlay_groups(one)[1])[1] == CONTEXT_ZOOM
    assert build_map(one).options["zoom"] == CONTEXT_ZOOM


@pytest.mark.parametrize("i", list(PROJECTS.index))
def test_every_view_holds_its_measures_precision(i):
    rec = PROJECTS.loc[i]
    view = focus_view(PROJECTS, rec["id"])
    if view is None:
        return
    assert view[1] <= CONTEXT_ZOOM
    if rec.geometry is not None:
        metres = rec["precision_m"] if rec["precision_m"] == rec["precision_m"] else 0
        grown = (
            rec.geometry.envelope
            if not metres
            else shapely.union_all([disc(x, y, metres) for x, y in shapely.get_coordinates(rec.geometry.envelope)])
        )
        assert in_viewport(grown, view), rec["id"]


def test_the_context_zoom_shows_towns_around_every_measure():
    """At ``CONTEXT_ZOOM`` the app's map around any measure holds town seats (whose names
    show from ``TOWN_LABEL_ZOOM``); one zoom closer, some views hold fewer than three."""
    assert CONTEXT_ZOOM >= TOWN_LABEL_ZOOM
    ctx = context_for_map()
    towns = ctx[ctx["kind"] == "town"].geometry
    centres = [g.centroid for g in PROJECTS.geometry.dropna()]

    def towns_in_view(zoom):
        return [sum(in_viewport(t, ([c.y, c.x], zoom)) for t in towns) for c in centres]

    assert min(towns_in_view(CONTEXT_ZOOM)) >= 2
    assert np.mean(np.array(towns_in_view(CONTEXT_ZOOM + 1)) < 3) > 0.1


def test_an_approximate_point_has_its_precision_disc_in_metres():
    rec = the("太白湖金融中心")
    group = highlight_group(PROJECTS, rec["id"])
    (circle,) = [c for c in group._children.values() if type(c).__name__ == "Circle"]
    assert circle.options["radius"] == rec["precision_m"] == 17000
    assert circle.options["color"] == "#ffb000" and circle.options["weight"] <= 2 and not circle.options["fill"]
    (tip,) = [c for c in circle._children.values() if type(c).__name__ == "Tooltip"]
    assert tip.text == "定位精度 ±17 km"
    group = highlight_group(PROJECTS, rec["id"], lang="en")
    (circle,) = [c for c in group._children.values() if type(c).__name__ == "Circle"]
    assert [c.text for c in circle._children.values()] == ["Location precision ±17 km"]
    # Not for a line or an area (their own outline is ringed), nor a point known exactly.
    line = PROJECTS[PROJECTS["form"] == "line"].iloc[0]
    assert not [c for c in highlight_group(PROJECTS, line["id"])._children.values() if type(c).__name__ == "Circle"]
    exact = PROJECTS[PROJECTS["id"] == rec["id"]].assign(approximate=False)
    assert not [c for c in highlight_group(exact, rec["id"])._children.values() if type(c).__name__ == "Circle"]


def zone_layers(group) -> list[_FeatureLayer]:
    return [c for c in group._children.values() if isinstance(c, _FeatureLayer) and str(c.ids[0]).startswith("zone:")]


@pytest.mark.parametrize("zone", ["hightech", "taibaihu", "etdz"])
def test_a_zone_filter_draws_the_zone_dashed_and_fits_it(zone):
    f = Filters(districts=(zone,))
    groups, bounds = overlay_groups(filter_projects(PROJECTS, f), f)
    (layer,) = zone_layers(groups[0])
    assert layer.ids == [f"zone:{zone}"] and "dashArray" in layer.payload
    assert f"{ZONE_NAMES[zone]['zh']}(范围示意)" in layer.payload
    from layers.selection.filtering import zone_shapes

    zb = zone_shapes()[zone].bounds
    assert bounds == pytest.approx(zb)  # the view fits the zone, not the whole city
    groups, _ = overlay_groups(filter_projects(PROJECTS, f), f, lang="en")
    assert f"{ZONE_NAMES[zone]['en']} (approximate extent)" in zone_layers(groups[0])[0].payload
    # Not without the filter.
    groups, _ = overlay_groups(PROJECTS, Filters())
    assert not zone_layers(groups[0])


def test_a_selected_measure_in_a_zone_gets_the_zone_outlined():
    rec = the("太白湖金融中心")
    (layer,) = zone_layers(highlight_group(PROJECTS, rec["id"]))
    assert layer.ids == ["zone:taibaihu"]
    from layers.selection.filtering import zone_shapes

    zones = shapely.union_all(list(zone_shapes().values()))
    points = PROJECTS[PROJECTS["form"] == "point"]
    outside = points[[not zones.intersects(g) for g in points.geometry]].iloc[0]
    assert not zone_layers(highlight_group(PROJECTS, outside["id"]))


def test_a_printed_map_filtered_by_a_zone_dashes_it():
    from layers.exports.print_map import base_map, fit_view, frame
    from layers.exports.print_page import setup_fonts
    from layers.geo.coords import GK_CRS
    from layers.selection.filtering import zone_shapes

    setup_fonts()
    f = Filters(districts=("taibaihu",))
    s = frame(filter_projects(PROJECTS, f), f, "a4", "zh", "drawn", None, False)
    base_map(s)
    before = len(s.ax.collections)
    fit_view(s)
    dashed = [c for c in s.ax.collections[before:] if c.get_linestyle()[0][1] is not None]
    assert len(dashed) == 1  # the zone, and no county outlined
    import geopandas as gpd

    zone = gpd.GeoSeries([zone_shapes()["taibaihu"]], crs=4326).to_crs(GK_CRS).iloc[0]
    (x0, x1), (y0, y1) = s.ax.get_xlim(), s.ax.get_ylim()
    assert shapely.box(x0, y0, x1, y1).contains(zone)
    s.fig.clear()
