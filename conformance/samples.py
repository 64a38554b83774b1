"""Metadata samples the cases send: the documented limits, and the keys the cases use (the
round-trip corpus is corpus.py).

The page leaves open whether an update replaces the stored map or merges into it, and a
merging target may apply the 16-pair limit to the merged map. Such a target keeps every key the
run ever wrote to its shared completion, so the cases that write valid metadata there use keys
from one plan of at most 16 (PLANNED_KEYS): whatever order they run in, the suite's own earlier
writes never fill the map. The 16-pair case, on such a target, sends the planned keys (see
conformance.steps.sixteen_that_fit). Keys whose own content is under test in bulk (the corpus's
key probes) go to a completion of their own (Target.scratch).
"""

from __future__ import annotations

from typing import Any

from conformance.countings import heavy

# "Set of 16 key-value pairs": at the limit and one over.
MAX_PAIRS = 16
# "Keys are strings with a maximum length of 64 characters."
MAX_KEY = 64
# "Values are strings with a maximum length of 512 characters."
MAX_VALUE = 512


def is_valid_metadata(metadata: Any) -> bool:
    """The page's rules: a map of at most 16 string pairs, keys <= 64 and values <= 512
    characters (code points)."""
    return (
        isinstance(metadata, dict)
        and len(metadata) <= MAX_PAIRS
        and all(
            isinstance(k, str) and len(k) <= MAX_KEY and isinstance(v, str) and len(v) <= MAX_VALUE
            for k, v in metadata.items()
        )
    )


def pairs(count: int, tag: str) -> dict[str, str]:
    """`count` distinct pairs whose keys and values carry `tag`."""
    return {f"{tag}_{i:02d}": f"value {i} of {tag}" for i in range(count)}


def key_of(length: int, tag: str, fill: str = "k") -> str:
    """A key of exactly `length` characters starting with `tag`."""
    return (tag + fill * length)[:length] if len(tag) < length else fill * length


# --- the planned keys -------------------------------------------------------------------------
# Set when the suite creates a completion: the run's nonce, for whoever looks at a dashboard.
RUN_KEY = "ucc_conformance_run"
# Marks the state a case put the completion in ("ucc_case": "tenancy").
CASE = "ucc_case"
# Plain keys whose values carry what a case tests (the corpus's value probes among them).
# The last is a dotted key: a list filter must find a completion by it too (a filter built as a
# JSON path, `$.` + key, does not).
VALUE_KEYS = (*(f"ucc_v{n:02d}" for n in range(1, 11)), "ucc.v11")
A, B, C = VALUE_KEYS[:3]
DOTTED = VALUE_KEYS[-1]
# Keys whose own content is under test, on the shared completion.
KEY_64 = key_of(MAX_KEY, "k64_")
KEY_64_LATIN = "é" * MAX_KEY  # 128 bytes in UTF-8, 128 characters decomposed
KEY_64_HEAVY = heavy(MAX_KEY)  # longer than 64 under every counting but characters

PLAIN_KEYS = (RUN_KEY, CASE, *VALUE_KEYS)
PLANNED_KEYS = (*PLAIN_KEYS, KEY_64, KEY_64_LATIN, KEY_64_HEAVY)
assert len(PLANNED_KEYS) <= MAX_PAIRS
