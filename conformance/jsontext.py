"""How a value is written inside a vendor-facing message: as JSON, never as a Python repr.

A vendor reads its API's answers as JSON, so a message says `{"ucc_case": "x"}`, `null` and
`"text"`, not `{'ucc_case': 'x'}`, `None` and `'text'` (which also reads as a different string
where it holds quotes or backslashes). One helper, used wherever a message quotes a value.
"""

from __future__ import annotations

import json
from typing import Any


def as_json(value: Any, limit: int | None = None) -> str:
    """`value` as compact JSON, non-ASCII text as it is, cut to `limit` characters with "…".

    A lone surrogate (which UTF-8 cannot carry) stays the JSON escape `\\ud800`, so the text
    can be printed anywhere; a value JSON has no form for is shown with str().
    """
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text
