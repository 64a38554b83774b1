"""Listing stored completions by their metadata: what an update stores is what a query finds."""

from __future__ import annotations

import pytest

from conformance.client import Client
from conformance.consistency import Kind
from conformance.expect import (
    answer_to_judge,
    expect_listed,
    expect_not_listed,
    expect_on_the_page,
)
from conformance.samples import CASE, DOTTED
from conformance.steps import put_known
from conformance.target import Completion, Target


@pytest.mark.requirement("UCC-LIST-METADATA-FILTER")
def test_listing_by_metadata_finds_the_new_value_not_the_old(
    api: Client, target: Target, stored: Completion
) -> None:
    """SHOULD: "This can be useful for storing additional information about the object in a
    structured format, and querying for objects via API or the dashboard." """
    old, new = f"old-{target.nonce}", f"new-{target.nonce}"
    put_known(target, stored, {CASE: old})
    write = api.update(stored.id, {"metadata": {CASE: new, DOTTED: new}})
    answer_to_judge(write)
    probe = api.list({f"metadata[{CASE}]": new, "limit": "100"})
    if probe.status in (404, 405, 501):
        pytest.skip(
            f"the target offers no list endpoint (GET /chat/completions: HTTP {probe.status})"
        )
    waited = target.consistency.wait(
        lambda: api.list({f"metadata[{CASE}]": new, "limit": "100"}),
        target.reads.listed(stored.id, None, None),
        Kind.UPDATE,
    )
    expect_listed(waited, write, f"the completion listed under metadata[{CASE}]={new}")
    # A key with a dot is a key like any other (a filter built as a JSON path takes it for
    # one).
    dotted = target.consistency.wait(
        lambda: api.list({f"metadata[{DOTTED}]": new, "limit": "100"}),
        target.reads.listed(stored.id, None, None),
        Kind.UPDATE,
    ).exchange
    expect_on_the_page(
        stored.id,
        dotted,
        write,
        f"listing with metadata[{DOTTED}]={new} does not return the completion, which holds "
        "that pair (and is listed under the other key of the same update)",
    )
    stale = api.list({f"metadata[{CASE}]": old, "limit": "100"})
    expect_not_listed(
        stored.id,
        stale,
        write,
        f"listing with the old value metadata[{CASE}]={old} still returns the completion",
    )
    # Values never set: one sorting before the stored one (a filter that compares by order
    # rather than equality returns the completion), the stored one in other case, and with SQL
    # LIKE wildcards in it (a filter that matches patterns returns it).
    for never in (
        f"a-never-{target.nonce}",
        new.upper(),
        new.replace("-", "_"),
        "new-%",
    ):
        other = api.list({f"metadata[{CASE}]": never, "limit": "100"})
        expect_not_listed(
            stored.id,
            other,
            write,
            f"listing with metadata[{CASE}]={never}, a value never set, returns the completion "
            f"whose value is {new}",
        )
