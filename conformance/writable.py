"""Whether the run can write where it was told to, asked before it sends anything.

A reports directory or a history file the run cannot write would otherwise surface at the end,
after the cases sent their requests and created their completions, as pytest-html's or the
history's traceback with no compliance.json. Nothing is created here: the nearest existing
ancestor must be a directory the run may write in.
"""

from __future__ import annotations

import os
from pathlib import Path


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path.cwd()


def directory_problem(path: Path) -> str | None:
    """Why `path` cannot be (or become) a directory the run writes in; None when it can."""
    found = _nearest_existing(path)
    if not found.is_dir():
        return f"{found} is not a directory"
    if not os.access(found, os.W_OK | os.X_OK):
        return f"cannot write in {found}"
    return None


def file_problem(path: Path) -> str | None:
    """Why the run cannot append to the file `path`; None when it can."""
    if path.is_dir():
        return f"{path} is a directory"
    if path.exists():
        return None if os.access(path, os.W_OK) else f"cannot write to {path}"
    return directory_problem(path.parent)
