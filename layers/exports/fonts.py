"""Find a font that has Chinese glyphs, by family name, for matplotlib exports."""

from __future__ import annotations

from functools import lru_cache

from matplotlib import font_manager

from layers._errors import DataError, Problem

#: Families tried in order: TrueType outlines first, so PDFs embed CID TrueType (Type 2)
#: subsets; Noto Sans CJK and Source Han Sans are CFF-based and embed as Type 0C (kept as
#: fallbacks). Noto's .ttc opens on its Japanese face unless asked for the SC family by
#: name; Microsoft YaHei / SimHei are on planners' Windows PCs.
CJK_FAMILIES = (
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Noto Sans SC",
)


class FontNotFoundError(DataError):
    """No installed font can draw Chinese text."""

    #: One sentence for the app, in the UI language.
    MESSAGE = {
        "zh": "导出地图需要中文字体,但本机没有安装。请安装 fonts-noto-cjk 或 fonts-wqy-zenhei(Windows 自带微软雅黑),然后重试。",
        "en": "Map exports need a font with Chinese glyphs and none is installed: install fonts-noto-cjk or "
        "fonts-wqy-zenhei (Windows has Microsoft YaHei), then try again.",
    }


def _known() -> set[str]:
    return {f.name for f in font_manager.fontManager.ttflist}


def _refresh() -> None:
    """Add fonts installed since matplotlib built its cached list (it never looks again)."""
    seen = {f.fname for f in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts(fontext="ttf") + font_manager.findSystemFonts(fontext="otf"):
        if path not in seen:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # an unreadable file: skip it
                continue


@lru_cache(maxsize=1)
def find_cjk_font() -> str:
    """Return the family name of an installed CJK font.

    When none is in matplotlib's cached list, the system's fonts are looked up again, so a
    font installed after the first run is found without any manual step. Raises
    :class:`FontNotFoundError` naming what to install when there is none at all (a failure
    is not cached: the next export looks again).
    """
    for attempt in range(2):
        installed = _known()
        for family in CJK_FAMILIES:
            if family in installed:
                return family
        if attempt == 0:
            _refresh()
    raise FontNotFoundError(
        "fonts",
        [
            Problem(
                0,
                "font",
                "no font with Chinese glyphs is installed; install one, e.g. on Debian/Ubuntu "
                "'apt-get install fonts-noto-cjk' or 'fonts-wqy-zenhei', on Windows Microsoft YaHei; "
                f"looked for: {', '.join(CJK_FAMILIES)}",
            )
        ],
    )
