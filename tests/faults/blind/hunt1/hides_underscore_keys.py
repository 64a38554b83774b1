"""Fault: keys starting with '_' are treated as internal and omitted from every answer."""
from base import ChatService, build

KIND = "fault"
RATIONALE = ("The platform reserves underscore-prefixed metadata keys for its own bookkeeping and filters them "
             "out when rendering; user pairs such as '_source' are stored (and count toward 16) but never shown.")
SOURCE = "Gateways that keep internal fields inside user metadata and hide them on output (e.g. LiteLLM proxy metadata)"
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."


class HiddenKeysService(ChatService):
    def render_metadata(self, md):
        return {k: v for k, v in md.items() if not k.startswith("_")}


def create_app(api_keys: dict[str, str]):
    return build(HiddenKeysService, api_keys)
