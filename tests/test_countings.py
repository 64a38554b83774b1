"""Text at the limits under every counting (conformance.countings), without a server."""

from __future__ import annotations

import pytest

from conformance.countings import FEWER, MORE, PURE, heavy, light, over, suggested, within
from conformance.samples import MAX_KEY, MAX_VALUE


@pytest.mark.parametrize("limit", [MAX_KEY, MAX_VALUE], ids=["key", "value"])
def test_heavy_text_at_the_limit_is_over_it_under_every_other_counting(limit: int) -> None:
    text = heavy(limit)
    assert len(text) == limit
    assert set(over(text, limit)) == set(MORE)


@pytest.mark.parametrize("limit", [MAX_KEY, MAX_VALUE], ids=["key", "value"])
def test_light_text_one_past_the_limit_fits_it_under_every_fewer_counting(limit: int) -> None:
    text = light(limit + 1)
    assert len(text) == limit + 1
    assert set(within(text, limit)) == set(FEWER)


@pytest.mark.parametrize("counting", MORE, ids=list(MORE))
def test_the_pure_texts_name_each_counting(counting: str) -> None:
    """A store that counts one way refuses exactly the pure texts longer that way; those
    refusals name that counting (and those that cannot be told apart from it) only."""
    count = MORE[counting]
    refused = {name: count(text * MAX_VALUE) > MAX_VALUE for name, text in PURE.items()}
    named = suggested(refused, MAX_VALUE)
    assert counting in named
    assert all(
        {n: MORE[other](t * MAX_VALUE) > MAX_VALUE for n, t in PURE.items()} == refused
        for other in named
    )


def test_a_store_that_counts_characters_refuses_no_pure_text() -> None:
    refused = dict.fromkeys(PURE, False)
    assert suggested(refused, MAX_VALUE) == []
