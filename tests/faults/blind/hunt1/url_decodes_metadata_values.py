"""Fault: metadata values are URL-decoded once more before storing."""
from urllib.parse import unquote_plus

from base import ChatService, build

KIND = "fault"
RATIONALE = ("Handler 'normalizes' metadata values with unquote_plus() to support clients that URL-encode them "
             "(the dashboard sends form-encoded metadata); on the JSON API this decodes a second time: '+' "
             "becomes a space and %XX sequences (e.g. '100%25', 'a%2Fb') are decoded.")
SOURCE = ("Double decoding (CWE-174); Python urllib.parse.unquote_plus — "
          "https://docs.python.org/3/library/urllib.parse.html#urllib.parse.unquote_plus")
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."


class UrlDecodingService(ChatService):
    def transform_metadata_for_storage(self, md, rec):
        return {k: unquote_plus(v) for k, v in md.items()}


def create_app(api_keys: dict[str, str]):
    return build(UrlDecodingService, api_keys)
