"""Conformant: updates merge into the stored map; the 16-pair cap is enforced on the merged result."""
from base import ChatService, build

KIND = "conformant"
RATIONALE = ("Update keys are merged into the stored metadata (unmentioned keys are kept), like Stripe; a merge "
             "that would leave more than 16 pairs is refused with 400 and changes nothing. The page does not "
             "say whether the update replaces or merges.")
SOURCE = "Stripe API 'Metadata' (updates merge keys) — https://docs.stripe.com/api/metadata"


class MergeService(ChatService):
    def apply_metadata(self, rec, md):
        return {**rec["metadata"], **md}


def create_app(api_keys: dict[str, str]):
    return build(MergeService, api_keys)
