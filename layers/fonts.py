"""Find a font that has Chinese glyphs, by family name, for matplotlib exports."""

from __future__ import annotations

from functools import lru_cache

from matplotlib import font_manager

from layers._errors import DataError, Problem

#: Families tried in order. Noto's .ttc opens on its Japanese face unless asked
#: for the SC family by name; Microsoft YaHei / SimHei are on planners' Windows PCs.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Noto Sans SC",
)


class FontNotFoundError(DataError):
    """No installed font can draw Chinese text."""


@lru_cache(maxsize=1)
def find_cjk_font() -> str:
    """Return the family name of an installed CJK font.

    Raises :class:`FontNotFoundError` naming what to install when none is found.
    """
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
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
