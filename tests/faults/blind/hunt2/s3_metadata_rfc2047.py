"""Metadata values read back from S3 object metadata come RFC 2047-encoded."""
import base64
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Values are written as x-amz-meta-* object metadata (keys in a sidecar index); "
             "S3 returns non-US-ASCII values RFC 2047-encoded ('=?UTF-8?B?...?='), and the "
             "read path does not decode them, so stored views show encoded values.")
SOURCE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html#UserMetadata"
VIOLATES = ("This can be useful for storing additional information about the object in a "
            "structured format, and querying for objects via API or the dashboard.")


def rfc2047(v):
    if v.isascii():
        return v
    raw = v.encode("utf-8", "surrogatepass")
    return "=?UTF-8?B?" + base64.b64encode(raw).decode("ascii") + "?="


class S3HeadService(Service):
    def view(self, obj, kind):
        if kind != "create" and isinstance(obj.get("metadata"), dict):
            obj = dict(obj, metadata={k: rfc2047(v) for k, v in obj["metadata"].items()})
        return obj


def create_app(api_keys):
    return S3HeadService(api_keys).app()
