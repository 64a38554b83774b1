"""Metadata samples the cases send: the documented limits (the round-trip corpus is corpus.py).

Keys carry a per-run nonce where a case must tell its own pairs apart from earlier ones.
"""

from __future__ import annotations

# "Set of 16 key-value pairs": at the limit and one over.
MAX_PAIRS = 16
# "Keys are strings with a maximum length of 64 characters."
MAX_KEY = 64
# "Values are strings with a maximum length of 512 characters."
MAX_VALUE = 512


def pairs(count: int, tag: str) -> dict[str, str]:
    """`count` distinct pairs whose keys and values carry `tag`."""
    return {f"{tag}_{i:02d}": f"value {i} of {tag}" for i in range(count)}


def key_of(length: int, tag: str, fill: str = "k") -> str:
    """A key of exactly `length` characters starting with `tag`."""
    return (tag + fill * length)[:length] if len(tag) < length else fill * length
