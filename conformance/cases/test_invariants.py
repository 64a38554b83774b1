"""What must hold of a stored completion after every accepted write, whoever made it.

Every view of every completion the run tracks is checked after each accepted write, by the
invariants of conformance/invariants.py: the cases here are where they are told. Each
invariant has a case that provokes it on purpose (a series of updates no single case sends),
early, and a case that tells what every other write of the run broke, last.
"""

from __future__ import annotations

import pytest

from conformance.client import Client
from conformance.expect import expect_invariant_held
from conformance.failures import Inconclusive
from conformance.invariants import AS_WRITTEN, ONLY_METADATA, WITHIN_LIMITS
from conformance.samples import CASE, DOTTED, MAX_PAIRS, PLAIN_KEYS, PLANNED_KEYS, B, pairs
from conformance.steps import lacks_room, put_known, read_back, sixteen_that_fit, stored_keys
from conformance.target import Completion, Target


# --- provoked ------------------------------------------------------------------------------------
@pytest.mark.requirement("UCC-STORED-WITHIN-LIMITS")
def test_sixteen_new_pairs_after_sixteen_others_leave_at_most_sixteen(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "Set of 16 key-value pairs that can be attached to an object." Each update holds
    16 pairs; a target that merges keeps the first ones and must still hold no more than 16
    (it may refuse the second update instead, which the page leaves open)."""
    _, keys = stored_keys(target, stored)
    # The dotted planned key is written before (the listing and round-trip cases): a target
    # that takes it for a path changes it, which is theirs to tell.
    plain = tuple(key for key in PLAIN_KEYS if key != DOTTED)
    put_known(target, stored, sixteen_that_fit([k for k in keys if k in PLANNED_KEYS], plain))
    second = pairs(MAX_PAIRS, f"series_{target.nonce}")
    write = api.update(stored.id, {"metadata": second})
    if write.status == 200:
        read_back(target, stored, write, second)
    elif lacks_room(target, stored, write, second) is None:
        raise Inconclusive(
            f"the second update of {MAX_PAIRS} new pairs was refused ({write.answer}), so the "
            "series could not be sent (whether 16 pairs are accepted is UCC-LIMIT-PAIRS-16's "
            "verdict)",
            (write,),
        )
    expect_invariant_held(target.invariants.take(WITHIN_LIMITS, this_case_only=True), writes=2)


@pytest.mark.requirement("UCC-STORED-AS-WRITTEN")
def test_each_update_replaces_or_merges_by_one_rule(
    api: Client, target: Target, stored: Completion
) -> None:
    """MUST: "Currently, the only supported modification is to update the metadata field."
    Three updates with different keys, each read back: every read shows the map one rule
    makes of them, replace or merge, and no pair nobody sent."""
    for sent in (
        {CASE: target.unique("one rule, first"), B: "first"},
        {CASE: target.unique("one rule, second")},
        {B: target.unique("one rule, third")},
    ):
        put_known(target, stored, sent, confirm=True)
    expect_invariant_held(target.invariants.take(AS_WRITTEN, this_case_only=True), writes=3)


# --- every write of the run (these run last) -----------------------------------------------------
@pytest.mark.sweep
@pytest.mark.requirement("UCC-UPDATE-ONLY-METADATA")
def test_no_accepted_write_changed_anything_but_metadata(api: Client, target: Target) -> None:
    """MUST: "Currently, the only supported modification is to update the metadata field."
    Every view of every completion the run tracks (the update's answer, retrieve, the list
    entry, the stored messages), after every accepted write, against that view as first read;
    the views are read once more now."""
    target.views.look(set(target.invariants.tracked))
    for completion_id in sorted(target.invariants.tracked):
        api.retrieve(completion_id)
    invariants = target.invariants
    expect_invariant_held(invariants.take(ONLY_METADATA), invariants.writes_judged)


@pytest.mark.sweep
@pytest.mark.requirement("UCC-STORED-AS-WRITTEN")
def test_every_read_after_an_accepted_write_shows_what_the_writes_made(target: Target) -> None:
    """MUST: "Currently, the only supported modification is to update the metadata field."
    Every retrieve and list entry that shows the last accepted update holds the map the updates
    make by the target's rule; a list entry still showing an earlier state when the
    consistency bound runs out is a view that never caught up."""
    target.views.list_catches_up()
    invariants = target.invariants
    expect_invariant_held(invariants.take(AS_WRITTEN), invariants.writes_judged)


@pytest.mark.sweep
@pytest.mark.requirement("UCC-STORED-WITHIN-LIMITS")
def test_every_accepted_write_left_the_completion_within_the_limits(target: Target) -> None:
    """MUST: "Set of 16 key-value pairs that can be attached to an object." Every view of every
    completion the run tracks, after every accepted write: at most 16 pairs, keys of at most 64
    and values of at most 512 characters."""
    invariants = target.invariants
    expect_invariant_held(invariants.take(WITHIN_LIMITS), invariants.writes_judged)
