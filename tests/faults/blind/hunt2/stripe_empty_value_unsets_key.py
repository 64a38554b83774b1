"""Stripe-style metadata semantics: posting an empty value unsets that key."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Implementation copied from Stripe's metadata rules ('Individual keys can be "
             "unset by posting an empty value to them'): a pair with value '' is not stored, "
             "so {'k': ''} is answered and read back without 'k'.")
SOURCE = "https://docs.stripe.com/api/metadata"
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."


class StripeLikeService(Service):
    def apply_update(self, tenant, cid, md, body):
        return super().apply_update(tenant, cid, {k: v for k, v in md.items() if v != ""}, body)


def create_app(api_keys):
    return StripeLikeService(api_keys).app()
