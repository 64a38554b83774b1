"""Metadata kept as S3 user-defined object metadata, which is limited to 2 KB in total."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import ApiError, Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Each completion is an S3 object and its metadata map goes into x-amz-meta-* "
             "headers; S3 limits user-defined metadata to 2 KB (UTF-8 of keys + values), so "
             "valid maps of a few long values (e.g. 4 x 512 chars) are refused with 400.")
SOURCE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html#UserMetadata"
VIOLATES = "Values are strings with a maximum length of 512 characters."

LIMIT = 2048


class S3Service(Service):
    def validate_metadata(self, md, param="metadata"):
        out = super().validate_metadata(md, param)
        size = sum(len(k.encode("utf-8", "surrogatepass")) + len(v.encode("utf-8", "surrogatepass"))
                   for k, v in out.items())
        if size > LIMIT:
            raise ApiError(400, f"MetadataTooLarge: Your metadata headers exceed the maximum "
                           f"allowed metadata size ({size} > {LIMIT} bytes).", param=param,
                           code="metadata_too_large")
        return out


def create_app(api_keys):
    return S3Service(api_keys).app()
