"""Tenancy: another project's key cannot touch the suite's completion."""

from __future__ import annotations

import pytest

from conformance.client import Client, Exchange
from conformance.expect import expect_metadata_unchanged, expect_ok
from conformance.failures import ConformanceFailure
from conformance.samples import CASE
from conformance.steps import put_known
from conformance.target import Completion, Target


def _refused(exchange: Exchange, what: str) -> None:
    if exchange.status not in (403, 404):
        got = exchange.error or f"HTTP {exchange.status}"
        raise ConformanceFailure(
            f"{what} with another project's key: expected 404 or 403, got {got}", (exchange,)
        )


@pytest.mark.requirement("UCC-AUTH-TENANT-ISOLATION")
def test_another_projects_key_cannot_read_update_or_delete(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "Modify a stored chat completion." — one's own, never another project's."""
    other = target.settings.second_api_key
    if not other:
        pytest.skip("needs a key of another project: pass --second-api-key")
    before = put_known(target, stored, {CASE: target.unique("tenancy")})
    read = api.retrieve(stored.id, key=other)
    update = api.update(stored.id, {"metadata": {CASE: "stolen"}}, key=other)
    delete = api.delete(stored.id, key=other)
    _refused(read, "retrieve")
    _refused(update, "update")
    _refused(delete, "delete")
    later = api.retrieve(stored.id)
    if later.status == 404:
        raise ConformanceFailure(
            "the other project's DELETE removed the completion", (delete, later)
        )
    expect_metadata_unchanged(before, expect_ok(later), (update, later))
