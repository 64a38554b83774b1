"""Fault: Stripe metadata semantics — updates merge, and an empty-string value unsets the key."""
from base import ChatService, build

KIND = "fault"
RATIONALE = ("Metadata handling copied from Stripe: update keys merge into the stored map and 'individual keys "
             "can be unset by posting an empty value to them', so a pair whose value is '' is removed instead "
             "of stored (merge itself is within the page; the cap is enforced on the merged map).")
SOURCE = "Stripe API 'Metadata' — https://docs.stripe.com/api/metadata"
VIOLATES = "Values are strings with a maximum length of 512 characters."


class StripeStyleService(ChatService):
    def apply_metadata(self, rec, md):
        out = dict(rec["metadata"])
        for k, v in md.items():
            if v == "":
                out.pop(k, None)
            else:
                out[k] = v
        return out

    def transform_metadata_for_storage(self, md, rec):
        return {k: v for k, v in md.items() if v != ""}      # same rule at create


def create_app(api_keys: dict[str, str]):
    return build(StripeStyleService, api_keys)
