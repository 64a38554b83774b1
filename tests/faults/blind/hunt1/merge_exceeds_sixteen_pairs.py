"""Fault: updates merge into the stored map, but the 16-pair cap is checked on the request only."""
from base import ChatService, build

KIND = "fault"
RATIONALE = ("Stripe-style merge of update keys into the stored metadata; the validator counts the pairs of the "
             "request body, never of the merged map, so a series of updates grows the map past 16 pairs.")
SOURCE = "Stripe API 'Metadata' (updates merge keys) — https://docs.stripe.com/api/metadata"
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."


class MergingService(ChatService):
    def apply_metadata(self, rec, md):
        merged = dict(rec["metadata"])
        merged.update(md)
        return merged

    def check_stored_metadata(self, md):
        # the request was validated by validate_metadata(); the merged result is not re-checked
        return None


def create_app(api_keys: dict[str, str]):
    return build(MergingService, api_keys)
