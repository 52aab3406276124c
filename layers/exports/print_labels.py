"""Labels on a printed map that never overlap: the measures' numbers, and the county,
neighbour and town names that give way to them.

matplotlib has no collision-free placement, and adjustText moves labels iteratively
without guaranteeing zero overlaps, which the printed map promises. Numbers are placed by
a small greedy search over rings of offsets around each anchor; optional names are kept
only where they cover nothing; county names step aside for a number with nowhere else to
go. Co-located markers are set around their place first, so every symbol stays visible.
"""

from __future__ import annotations

from matplotlib.text import Text
from matplotlib.transforms import Bbox

from layers.exports.print_base import HALO, SEAT_SIZE
from layers.geo.coords import GK_CRS


def _inside(box, frame) -> bool:
    """Whether ``box`` lies wholly within ``frame`` (display coordinates)."""
    return frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1


def _keep_if_free(text, box, frame, taken: list, boxes: list) -> bool:
    """Keep an optional map name (appending its box to ``boxes``) only where it stays inside
    the map and meets nothing taken or kept; otherwise remove it."""
    if not _inside(box, frame) or any(box.overlaps(b) for b in [*taken, *boxes]):
        text.remove()
        return False
    boxes.append(box)
    return True


def neighbour_names(ax, lang: str, fontsize: float, taken: list, renderer) -> list:
    """The neighbouring cities' and counties' names where they fall in the view, in grey, each
    only where it covers nothing already on the map; returns their boxes."""
    from layers.geo.context import load_context

    ctx = load_context()
    near = ctx[ctx["kind"] == "neighbour"].to_crs(GK_CRS)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    frame = ax.get_window_extent(renderer)
    boxes = []
    for name, g in zip(near["name_zh" if lang == "zh" else "name_en"], near.geometry, strict=True):
        if not (x0 < g.x < x1 and y0 < g.y < y1):
            continue
        t = ax.text(g.x, g.y, name, ha="center", va="center", fontsize=fontsize, color="#999", style="italic", zorder=5)
        _keep_if_free(t, t.get_window_extent(renderer).expanded(1.1, 1.2), frame, taken, boxes)
    return boxes


def seat_boxes(ax, renderer, pad: float = 1.0) -> list[Bbox]:
    """The county seats' dots in view as boxes (display units) with ``pad`` points to spare:
    no name or number may cover one."""
    import math

    from layers.geo.context import load_context

    ctx = load_context()
    seats = ctx[ctx["kind"] == "county_seat"].to_crs(GK_CRS)
    r = (math.sqrt(SEAT_SIZE) / 2 + pad) * ax.figure.dpi / 72
    frame = ax.get_window_extent(renderer)
    xy = ax.transData.transform(list(zip(seats.geometry.x, seats.geometry.y, strict=True)))
    return [Bbox([[x - r, y - r], [x + r, y + r]]) for x, y in xy if frame.contains(x, y)]


def town_names(ax, lang: str, fontsize: float, taken: list, renderer) -> list:
    """Town and street names beside their seats, each only where it covers nothing already
    on the map and stays inside it; returns their boxes."""
    from layers.geo.context import load_context

    ctx = load_context()
    towns = ctx[ctx["kind"] == "town"].to_crs(GK_CRS)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    frame = ax.get_window_extent(renderer)
    pad = 2.0 * ax.figure.dpi / 72
    boxes: list = []
    names = towns["name_zh" if lang == "zh" else "name_en"].fillna(towns["name_zh"])
    for name, g in zip(names, towns.geometry, strict=True):
        if not (x0 < g.x < x1 and y0 < g.y < y1) or not name:
            continue
        t = ax.annotate(
            name,
            (g.x, g.y),
            xytext=(3, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=fontsize,
            color="#555",
            zorder=5.5,
            path_effects=HALO,
        )
        _keep_if_free(t, t.get_window_extent(renderer).padded(pad), frame, taken, boxes)
    return boxes


def spread_colocated(drawn, per_pt: float) -> dict[str, tuple[float, float]]:
    """Marker positions for points that share a place (a ``site_group``): set around the
    place, a marker's width apart, so every symbol stays visible on paper."""
    import math

    pts = drawn[drawn.geometry.notna() & (drawn.geometry.geom_type == "Point")]
    out = {}
    groups: dict[tuple[int, int], list] = {}
    for rec in pts.sort_values(["action", "id"]).itertuples():
        groups.setdefault((round(rec.geometry.x), round(rec.geometry.y)), []).append(rec)
    for recs in groups.values():
        n = len(recs)
        if n < 2:
            continue
        radius = 6.5 / math.sin(math.pi / n) * per_pt  # neighbours about 13 pt apart
        for i, rec in enumerate(recs):
            a = math.pi / 2 + 2 * math.pi * i / n
            out[rec.id] = (rec.geometry.x + radius * math.cos(a), rec.geometry.y + radius * math.sin(a))
    return out


def nudge(text, taken, renderer) -> None:
    """Move a map label (in offset points) to the nearest place where it covers nothing taken;
    hide it when there is no such place."""
    from matplotlib.transforms import offset_copy

    base = text.get_transform()
    box = text.get_window_extent(renderer)
    if not any(box.overlaps(b) for b in taken):
        return
    for r in (8, 12, 16, 22, 28):
        for dx, dy in ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1)):
            text.set_transform(offset_copy(base, fig=text.figure, x=dx * r, y=dy * r, units="points"))
            if not any(text.get_window_extent(renderer).overlaps(b) for b in taken):
                return
    text.set_transform(base)
    text.set_visible(False)  # nowhere free nearby: leave the name out rather than overprint


#: The first ring offset (in ``place_labels``' rings, 16 per radius) whose label gets a thin
#: leader line to its anchor: from 10 pt out a label's box is more than a few points away
#: from its feature, and the tag alone would not say what it numbers.
LEADER_FROM = 16


def place_labels(ax, anchors, fig, fontsize, avoid=(), movable=()):
    """Greedy collision-free placement: try offsets in growing rings around each anchor and keep
    the first whose box meets no earlier label (nor any box in ``avoid``). None when some
    label has no free place anywhere near its anchor."""
    renderer = fig.canvas.get_renderer()
    placed: list[Bbox] = list(avoid)
    boxes = []
    rings = [
        (dx * r, dy * r)
        for r in (7, 10, 13, 17, 22, 28, 36, 46, 58, 72)
        for dx, dy in (
            (1, 1),
            (1, -1),
            (-1, 1),
            (-1, -1),
            (1.3, 0),
            (-1.3, 0),
            (0, 1.3),
            (0, -1.3),
            (1.2, 0.5),
            (-1.2, 0.5),
            (1.2, -0.5),
            (-1.2, -0.5),
            (0.5, 1.2),
            (-0.5, 1.2),
            (0.5, -1.2),
            (-0.5, -1.2),
        )
    ]
    frame = ax.get_window_extent(renderer)
    # Crowded anchors choose first: an isolated label has room anywhere, a crowded one only
    # in the few gaps its neighbours leave.
    pts = [ax.transData.transform((x, y)) for (x, y), _ in anchors]
    crowd = [sum(abs(px - qx) < 60 and abs(py - qy) < 40 for qx, qy in pts) for px, py in pts]
    boxes: list[Bbox | None] = [None] * len(anchors)
    for k in sorted(range(len(anchors)), key=lambda k: -crowd[k]):
        (x, y), text = anchors[k]
        chosen = None
        # A smaller size is the last resort before a label would overprint something.
        for size in (fontsize, fontsize - 1.5):
            for i, (dx, dy) in enumerate(rings):
                ann, box, inside = _try_label(ax, (x, y), text, size, (dx, dy), i >= LEADER_FROM, frame, renderer)
                if inside and not any(box.overlaps(b) for b in placed):
                    chosen = box
                    break
                ann.remove()
            if chosen is not None:
                break
        if chosen is None and movable:
            moved_box, moved = _displace_names(
                ax, (x, y), text, fontsize - 1.5, rings, placed, movable, frame, renderer
            )
            if moved is not None:
                chosen, ann = moved_box, moved
        if chosen is None:  # crowded beyond every ring: the page cannot number its measures
            return None
        placed.append(chosen)
        boxes[k] = chosen
    return boxes


def _try_label(ax, xy, text, size, offset, leader: bool, frame, renderer):
    """A number label at ``offset`` points from its anchor, in a white box (with a leader
    line when far out). Returns the annotation, its box with ~2 pt to spare (pdftotext
    reports taller word boxes than the glyphs) and whether that box is inside ``frame``."""
    dx, dy = offset
    ann = ax.annotate(
        text,
        xy,
        xytext=(dx, dy),
        textcoords="offset points",
        fontsize=size,
        ha="left" if dx >= 0 else "right",
        va="bottom" if dy >= 0 else "top",
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "#555", "lw": 0.4},
        arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "#555"} if leader else None,
        zorder=15,
    )
    # The tag's own box: a leader line reaches its anchor, which the tag must not cover.
    # The text's own box (the padding takes in its white box), without the leader line: a
    # leader reaches its anchor, which the tag itself must not cover.
    ann.update_positions(renderer)
    box = Text.get_window_extent(ann, renderer).padded(2.5 + 0.15 * size * ax.figure.dpi / 72)
    return ann, box, _inside(box, frame)


def _displace_names(ax, xy, text, size, rings, placed, movable, frame, renderer):
    """The first place for a label that only covers county names (``movable``), which then
    move aside, or are left out when there is no room for them. Returns (box, annotation)
    or (None, None)."""
    movable_boxes = {id(t): t.get_window_extent(renderer) for t in movable if t.get_visible()}
    for i, (dx, dy) in enumerate(rings):
        ann, box, inside = _try_label(ax, xy, text, size, (dx, dy), i >= LEADER_FROM, frame, renderer)
        hit_fixed = [b for b in placed if box.overlaps(b) and not any(_same_box(b, m) for m in movable_boxes.values())]
        hit_names = [t for t in movable if id(t) in movable_boxes and box.overlaps(movable_boxes[id(t)])]
        if inside and not hit_fixed and hit_names:
            for t in hit_names:
                old = movable_boxes[id(t)]
                others = [b for b in placed if b is not old and not _same_box(b, old)] + [box]
                nudge(t, others, renderer)
                new = t.get_window_extent(renderer)
                if any(new.overlaps(b) for b in others):
                    t.set_visible(False)  # no room left for this county's name
                for j, b in enumerate(placed):
                    if _same_box(b, old):
                        placed[j] = new if t.get_visible() else Bbox([[0, 0], [0, 0]])
            return box, ann
        ann.remove()
    return None, None


def _same_box(a, b) -> bool:
    """Whether two boxes have the same corners (a box may have been copied, not shared)."""
    return bool((a.get_points() == b.get_points()).all())
