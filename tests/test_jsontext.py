"""Values in vendor-facing messages are written as JSON, never as Python reprs.

A vendor reads its API's answers as JSON; `{'ucc_case': 'x'}` or `None` in a failure line
reads as another format, and a repr's quoting makes some strings look different from what was
sent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.consistency import Seen, Waited
from conformance.jsontext import as_json
from conformance.steps import _what_came_back
from tests.test_transcript import exchange

MESSAGE_MODULES = ("expect.py", "steps.py", "corpus.py", "shape.py", "mechanisms.py")
PACKAGE = Path(__file__).resolve().parents[1] / "conformance"


@pytest.mark.parametrize(
    ("value", "limit", "text"),
    [
        ({"ucc_conformance_run": "3929931f"}, None, '{"ucc_conformance_run": "3929931f"}'),
        (None, None, "null"),
        ('it\'s "quoted"', None, '"it\'s \\"quoted\\""'),
        ("日本語", None, '"日本語"'),
        ("lone \ud800 surrogate", None, '"lone \\ud800 surrogate"'),
        ("a" * 20, 8, '"aaaaaa…'),
        (["a", 1, True], None, '["a", 1, true]'),
    ],
    ids=["map", "null", "quotes", "non-ascii", "lone-surrogate", "cut", "list"],
)
def test_value_is_written_as_json(value: object, limit: int | None, text: str) -> None:
    assert as_json(value, limit) == text


def test_message_modules_write_no_python_repr() -> None:
    """A `!r` conversion, repr() or ascii() in a message module is a repr a vendor would read."""
    found = [
        f"{name}:{n}: {line.strip()}"
        for name in MESSAGE_MODULES
        for n, line in enumerate((PACKAGE / name).read_text("utf-8").splitlines(), 1)
        if re.search(r"!r[}:]|\brepr\(|\bascii\(", line)
    ]
    assert found == []


def test_stale_read_names_the_metadata_it_still_shows_as_json() -> None:
    """The message the issue quoted: a read that still shows the old map."""
    read = exchange(b'{"id": "chatcmpl-1", "metadata": {"ucc_conformance_run": "3929931f"}}')
    read.method, read.request_body = "GET", None
    line = _what_came_back(Waited(read, Seen.STALE, 0.0), "the accepted update")
    assert line.endswith('still shows metadata {"ucc_conformance_run": "3929931f"}'), line
