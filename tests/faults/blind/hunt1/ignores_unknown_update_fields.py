"""Conformant: unknown top-level fields in the update body are ignored (only metadata is applied)."""
from base import ChatService, bad_request, build

KIND = "conformant"
RATIONALE = ("Lenient request parsing: the update applies `metadata` and silently ignores any other top-level "
             "field (model, created, messages, ...), which therefore stay unchanged — the only modification "
             "is still the metadata.")
SOURCE = "Lenient JSON binding (e.g. pydantic extra='ignore', Jackson FAIL_ON_UNKNOWN_PROPERTIES=false)"


class LenientService(ChatService):
    def parse_update_body(self, body):
        if "metadata" not in body:
            raise bad_request("Missing required parameter: 'metadata'.", param="metadata",
                              code="missing_required_parameter")
        return self.validate_metadata(body["metadata"])


def create_app(api_keys: dict[str, str]):
    return build(LenientService, api_keys)
