"""Writing files so that an interrupted write never leaves a half-written file behind."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp_path)`` on a file in a temporary folder next to ``path``, then rename
    it into place. On any error the temporary folder is removed and ``path`` is untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        tmp_path = Path(tmp) / path.name
        write(tmp_path)
        tmp_path.replace(path)
    return path
