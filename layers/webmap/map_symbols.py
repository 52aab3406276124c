"""What a measure looks like on the web map: markers, number tags, the cluster marker, the
legend, and the CSS classes the browser tests look for. Plain HTML strings; every text in
them is HTML-escaped."""

from __future__ import annotations

import html

from layers.geo.actions import load_actions
from layers.labels import LIGHT_WORDS, t

POINT_CLASS = "jn-point"
BADGE_CLASS = "jn-badge"
CLUSTER_CLASS = "jn-cluster"
MEMBER_CLASS = "jn-member"
LABEL_CLASS = "jn-label"
#: The style of a line, area or county under the mouse.
HIGHLIGHT = {"weight": 5, "fillOpacity": 0.45}
#: The ring around the selected measure.
SELECTED_COLOUR = "#ffb000"

_MARKER = (
    '<div title="{title}" style="width:22px;height:22px;border-radius:50%;box-sizing:border-box;'
    "display:flex;align-items:center;justify-content:center;font:bold {font} sans-serif;"
    'box-shadow:0 0 2px #000;{style}">{symbol}</div>'
)
#: In a numbered marker's HTML, the script puts the measure's number here, and a font
#: size that fits it in the disc (12 px up to 99, 10 px up to 999, 8 px beyond).
NUMBER_SLOT = "@N@"
FONT_SLOT = "@F@"

CLUSTER_HTML = (
    '<div style="width:28px;height:28px;border-radius:50%;box-sizing:border-box;display:flex;'
    "align-items:center;justify-content:center;font:bold 12px sans-serif;background:#333;color:#fff;"
    'border:3px double #fff;box-shadow:0 0 3px #000">@N@</div>'
)


def marker_html(colour: str, symbol: str, approximate: bool, title: str = "", font: str = "12px") -> str:
    """A round marker: filled in the action colour when exact, hollow with a dashed ring when approximate."""
    style = (
        f"background:#fff;border:2px dashed {colour};color:{colour};"
        if approximate
        else f"background:{colour};border:2px solid {colour};color:#fff;"
    )
    return _MARKER.format(title=html.escape(title), style=style, symbol=html.escape(symbol), font=font)


def badge_html(colour: str) -> str:
    """The number of a line, area or county-wide measure: a white tag ringed in the action colour."""
    return (
        f'<div style="min-width:20px;height:18px;padding:0 3px;border-radius:4px;box-sizing:border-box;'
        f"display:flex;align-items:center;justify-content:center;font:bold {FONT_SLOT} sans-serif;"
        f'background:#fff;border:2px solid {colour};color:{colour};box-shadow:0 0 2px #000">{NUMBER_SLOT}</div>'
    )


def number_font(n: int) -> str:
    """The font size that fits the number ``n`` in a marker (as the feature layer's script chooses it)."""
    return "12px" if n < 100 else "10px" if n < 1000 else "8px"


def legend_html(action_ids, lang: str) -> str:
    actions = load_actions()
    name = "name_zh" if lang == "zh" else "name_en"
    rows = []
    for a in action_ids:
        rec = actions.loc[a]
        symbol = rec["symbol"] if lang == "zh" else str(a)  # 文 is a Chinese word: English shows the number
        rows.append(
            f'<div style="display:flex;align-items:center;gap:4px;margin:2px 0">'
            f"{marker_html(rec['colour'], symbol, False)}<span>{a}. {html.escape(rec[name])}</span></div>"
        )
    rows.append(_legend_notes(lang))
    return "".join(rows)


def _legend_notes(lang: str) -> str:
    """The legend's rows that every colouring shares: approximate points and shapes,
    county-wide tints, and the note."""
    text = [t(k, lang) for k in ("legend_approx_point", "legend_approx_shape", "legend_county", "legend_note")]
    return (
        f'<div style="display:flex;align-items:center;gap:4px;margin:4px 0 2px">'
        f"{marker_html('#444', '·', True)}<span>{text[0]}</span></div>"
        f'<div style="display:flex;align-items:center;gap:4px;margin:2px 0">'
        f'<svg width="22" height="10"><line x1="0" y1="5" x2="22" y2="5" stroke="#444" stroke-width="3" '
        f'stroke-dasharray="6 4"/></svg><span>{text[1]}</span></div>'
        f'<div style="display:flex;align-items:center;gap:4px;margin:2px 0">'
        f'<svg width="22" height="12"><rect x="1" y="1" width="20" height="10" fill="#444" fill-opacity="0.15" '
        f'stroke="#444" stroke-dasharray="2 3"/></svg><span>{text[2]}</span></div>'
        f'<div style="color:#666;margin-top:4px">{text[3]}</div>'
    )


def light_legend_html(counts: dict, colours: dict, lang: str) -> str:
    """The legend of the map coloured by progress: each light with its colour and how many
    measures of the selection have it (lights with none are left out), then the shared notes."""
    rows = [
        f'<div style="display:flex;align-items:center;gap:4px;margin:2px 0">'
        f"{marker_html(colours[code], '', False)}<span>{html.escape(LIGHT_WORDS[code][lang])} ({n})</span></div>"
        for code, n in counts.items()
        if n
    ]
    rows.append(_legend_notes(lang))
    return "".join(rows)
