"""What a printed map draws under the measures: the offline geography or web tiles.

The offline base map is the app's, for print (lakes, rivers and the canal, Jining's outline
in its boundary symbol, town and county seats); web tiles (OSM, Tianditu) go under it when
they were asked for and can be had, and a note on the map says when they could not.
"""

from __future__ import annotations

from matplotlib import patheffects

from layers.geo.coords import GK_CRS

#: A white halo keeps map furniture legible over water and lines beneath it.
HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]

#: Boundary lines in the manner of the administrative-boundary symbols of Chinese maps
#: (GB/T 20257 map symbols): the prefecture-level boundary (市界) a dash with two dots, the
#: county-level boundary (县界) a shorter dash with one dot. The standard's exact lengths in
#: millimetres are not open; these proportions are ours, at print size.
BOUNDARY_STYLE = {
    "city": {"color": "#333", "lw": 1.5, "linestyle": (0, (7, 1.6, 1, 1.6, 1, 1.6))},
    "county": {"color": "#666", "lw": 0.8, "linestyle": (0, (4.5, 1.5, 1, 1.5))},
}

#: County seats' dots (scatter size, points squared): names are moved off them.
SEAT_SIZE = 9

#: Basemaps that have web tiles for print (Gaode is GCJ-02: never under CGCS2000 measures).
PRINT_TILES = {"osm": "osm", "tianditu": "tianditu"}
TILES_FALLBACK = {
    "zh": "底图瓦片无法获取,已改用离线简图",
    "en": "Web tiles unavailable: offline base map drawn instead",
}
TILES_NOT_FOR_PRINT = {
    "zh": "此底图不用于打印,已改用离线简图",
    "en": "This basemap is not used for print: offline base map drawn",
}


def print_basemap_note(basemap: str, lang: str) -> str:
    """What a printed map will have under it with ``basemap`` chosen, for the export form."""
    zh = lang == "zh"
    if basemap in PRINT_TILES:
        return (
            "底图:联网时使用在线瓦片;无法获取时改用简图(离线),并在图上注明。"
            if zh
            else "Base map: web tiles when online; if they cannot be had, the offline map, with a note on the map."
        )
    if basemap in ("none", "", None):
        return "底图:简图(离线)。" if zh else "Base map: the offline simple map."
    return TILES_NOT_FOR_PRINT[lang] + "。" if zh else TILES_NOT_FOR_PRINT[lang] + "."


def tiles_under(ax, basemap: str, tdt_key: str | None, lang: str) -> tuple[str, str]:
    """Web tiles under the map when ``basemap`` has them for print and they can be had.
    Returns (attribution for the footer, note for the map): one of them empty, or both
    when the offline base map is what was asked for."""
    if basemap in ("none", "", None):
        return "", ""
    if basemap not in PRINT_TILES:
        return "", TILES_NOT_FOR_PRINT[lang]
    from layers.exports.tiles import TilesUnavailable, fetch_basemap

    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    frame = ax.get_window_extent()
    scale = 300 / ax.figure.dpi  # tiles sharp at the PNG's 300 dpi
    try:
        t = fetch_basemap(
            PRINT_TILES[basemap],
            (x0, y0, x1, y1),
            (int(frame.width * scale), int(frame.height * scale)),
            tdt_key=tdt_key,
        )
    except TilesUnavailable:
        return "", TILES_FALLBACK[lang]
    ax.imshow(t.image, extent=t.extent, origin="upper", zorder=0, interpolation="bilinear")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.collections[0].set_facecolor("none")  # the counties' pale fill would hide the tiles
    return t.attribution, ""


def draw_counties(ax, counties) -> None:
    """The counties as the map's ground: a pale fill (the first collection on the axes, which
    web tiles clear) and the county-level boundary symbol."""
    counties.plot(ax=ax, facecolor="#fafafa", edgecolor="none", lw=0, zorder=1)
    counties.boundary.plot(ax=ax, zorder=1.7, **BOUNDARY_STYLE["county"])


def draw_context(ax) -> None:
    """The offline geography under the measures: lakes, rivers and the canal, Jining's
    outline, town seats and county seats (the app's base map, for print)."""
    from layers.geo.boundaries import load_city
    from layers.geo.context import load_context

    ctx = load_context().to_crs(GK_CRS)
    city = load_city().to_crs(GK_CRS)
    water = ctx[ctx["kind"] == "lake"]
    if len(water):
        water.plot(ax=ax, facecolor="#cfe3f5", edgecolor="#6a9fcf", lw=0.5, zorder=1.5)
    # Rivers and the canal up to a few km beyond the border: on paper they would cross the
    # legend, the scale bar and the table.
    lines = ctx[ctx["kind"].isin(["river", "canal"])].clip(city.buffer(5000).geometry.iloc[0])
    if len(lines):
        lines.plot(ax=ax, color="#5b93c9", lw=1.0, zorder=1.6)
    # 市界 over a pale band, in its dash-and-two-dots pattern (see BOUNDARY_STYLE).
    city.boundary.plot(ax=ax, color="#e8cfcf", lw=4.5, zorder=2.1)
    city.boundary.plot(ax=ax, zorder=2.2, **BOUNDARY_STYLE["city"])
    towns = ctx[ctx["kind"] == "town"]
    ax.scatter(towns.geometry.x, towns.geometry.y, s=2.5, c="#999", linewidths=0, zorder=2.3)
    seats = ctx[ctx["kind"] == "county_seat"]
    ax.scatter(seats.geometry.x, seats.geometry.y, s=SEAT_SIZE, c="#333", linewidths=0, zorder=2.4)
