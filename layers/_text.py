"""Text made safe for where it goes: clean text for storage (no control, zero-width or
bidirectional characters), spreadsheet cells that never run as formulas, and Markdown that
Streamlit shows as typed. One floor below the validation, the exports and the UI's words."""

from __future__ import annotations

import html
import re

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
#: Bidirectional controls: U+202E made "‮=1+8" show as "8+1=". Names and titles are read
#: left to right (Chinese, Latin, digits), so none of them is needed in our text.
_BIDI = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C], None)
# C0 and C1 controls and DEL; tabs and line breaks become spaces first.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_text(value, limit: int | None = None) -> str:
    """Text with control, zero-width and bidirectional characters removed (tabs and line breaks become
    spaces), trimmed; cut to ``limit`` characters when given."""
    s = "" if value is None else str(value)
    s = s.translate(_ZERO_WIDTH).translate(_BIDI)
    s = re.sub(r"[\t\r\n]+", " ", s)
    s = _CONTROL.sub("", s).strip()
    return s[:limit] if limit else s


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    """Text made safe for a spreadsheet cell: control characters that XLSX cannot hold are
    removed (openpyxl raised IllegalCharacterError on them), and text that Excel would run as
    a formula (=, +, -, @, also full-width or behind invisible characters) gets a leading
    apostrophe, the usual guard against formula injection."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if _formula_like(value):
        return "'" + value
    return value


def _formula_like(value: str) -> bool:
    """Would a spreadsheet read ``value`` as a formula? Excel and WPS also take the full-width
    ＝ ＋ － ＠, and skip invisible format characters (U+2061, U+00AD, U+180E, U+202E …) and
    spaces before them, so the test looks through both."""
    import unicodedata

    head = "".join(c for c in value[:64] if unicodedata.category(c) != "Cf" and c not in "\u180e")
    head = unicodedata.normalize("NFKC", head).lstrip(" \u3000\xa0")
    return value.startswith(_FORMULA_START) or head.startswith(_FORMULA_START)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")
_AUTOLINK = re.compile(r"(?i)(://|\bwww|@)")
_MD_SPECIAL_NO_HTML = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:])")


def md_escape(text, html_mode: bool = False) -> str:
    """User-supplied text made inert for Streamlit's Markdown: every Markdown character is
    backslash-escaped, so ``[x](http://…)`` and ``![x](http://…)`` stay text (no link, no
    image request), and ``:`` too, so bare URLs are not linked; a colon is followed by an invisible
    word joiner, so ``:material/home:`` is no icon. Control characters go; line
    breaks become spaces. With ``html_mode`` (Markdown shown with ``unsafe_allow_html``),
    ``<``, ``>`` and ``&`` become HTML entities instead."""
    # GFM links bare URLs, www. names and e-mail addresses whatever the escapes: a zero-width
    # space inside "://" and after "www" and "@" keeps them readable but never a link.
    text = _AUTOLINK.sub(lambda m: ":\u200b//" if m.group(1) == "://" else m.group(1) + "\u200b", clean_text(text))
    escaped = (
        _MD_SPECIAL_NO_HTML.sub(r"\\\1", html.escape(text, quote=False))
        if html_mode
        else _MD_SPECIAL.sub(r"\\\1", text)
    )
    # Streamlit turns ":material/name:" and ":name:" into icons and emoji in the raw source,
    # before escapes count: a word joiner after every colon keeps the text as typed.
    return escaped.replace(":", ":\u2060")
