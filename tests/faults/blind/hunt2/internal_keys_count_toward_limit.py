"""The vendor keeps two bookkeeping pairs in the same map and checks 16 on the total."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import ApiError, Service  # noqa: E402

KIND = "fault"
RATIONALE = ("The stored map also carries internal '_tenant' and '_rev' tags (hidden on output),"
             " and the 16-pair limit is enforced on the stored map, so a user can only attach "
             "14 pairs: 15 or 16 pairs are refused with 400.")
SOURCE = "Tag-based bookkeeping sharing a quota with user tags (cf. AWS reserved 'aws:' tags)"
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."

INTERNAL = ("_tenant", "_rev")


class TaggedService(Service):
    def validate_metadata(self, md, param="metadata"):
        out = super().validate_metadata(md, param)
        stored = dict(out)
        stored.update({k: "x" for k in INTERNAL})
        if len(stored) > 16:
            raise ApiError(400, f"Invalid '{param}': too many properties. Expected an object "
                           f"with at most 16 properties, but got an object with {len(stored)} "
                           "properties instead.", param=param, code="object_above_max_properties")
        return out


def create_app(api_keys):
    return TaggedService(api_keys).app()
