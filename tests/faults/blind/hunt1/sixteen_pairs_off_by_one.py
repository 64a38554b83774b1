"""Fault: the pair-count check is off by one and refuses exactly 16 pairs."""
from base import MAX_PAIRS, ChatService, build

KIND = "fault"
RATIONALE = ("`if len(metadata) >= MAX_PAIRS: raise` — a classic boundary slip: 15 pairs pass, 16 pairs are "
             "refused with 400 'too many properties'.")
SOURCE = "Off-by-one boundary check (CWE-193)"
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."


class OffByOneService(ChatService):
    def max_pairs_exceeded(self, md):
        return len(md) >= MAX_PAIRS


def create_app(api_keys: dict[str, str]):
    return build(OffByOneService, api_keys)
