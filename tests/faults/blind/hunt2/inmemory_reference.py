"""Reference vendor: a single-process Python service keeping completions in dicts."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "conformant"
RATIONALE = ("Plain in-memory store (dict per tenant+id), replace-on-update metadata, OpenAI-"
             "style errors; the baseline every other server varies.")
SOURCE = "https://platform.openai.com/docs/api-reference/chat/update"


def create_app(api_keys):
    return Service(api_keys).app()
