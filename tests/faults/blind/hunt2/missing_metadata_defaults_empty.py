"""The update body model gives metadata a default, so an update without it clears the map."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("pydantic model 'class UpdateBody: metadata: dict[str, str] = {}': a body without "
             "metadata (e.g. {}) validates, and the update stores the empty default, wiping "
             "the completion's metadata with a 200 instead of a 400.")
SOURCE = "https://docs.pydantic.dev/latest/concepts/models/#fields-with-non-hashable-default-values"
VIOLATES = "metadata map string Required"


class DefaultingService(Service):
    def validate_update_body(self, body):
        for k in body:
            if k != "metadata":
                return super().validate_update_body(body)
        return self.validate_metadata(body.get("metadata", {}))


def create_app(api_keys):
    return DefaultingService(api_keys).app()
