"""Reference: plain in-memory dict store, replace-on-update semantics."""
from base import ChatService, build

KIND = "conformant"
RATIONALE = ("Straightforward in-memory implementation: metadata replaced on update, limits counted in code "
             "points, 404 for unstored/deleted/foreign completions.")
SOURCE = "OpenAI API reference: Update chat completion"


def create_app(api_keys: dict[str, str]):
    return build(ChatService, api_keys)
