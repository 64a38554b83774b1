"""How a value from a request or an answer is written in a verdict's message: as JSON.

A vendor reads JSON on the wire and in the transcript; a message that prints a Python repr
(`{'k': 'v'}`, `None`, `True`) makes them translate. Long values are cut, saying so.
"""

from __future__ import annotations

import json
from typing import Any


def shown(value: Any, width: int = 200) -> str:
    """`value` as compact JSON (non-ASCII kept, control characters escaped), cut to `width`."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) <= width:
        return text
    return f"{text[: max(width - 1, 1)]}…"
