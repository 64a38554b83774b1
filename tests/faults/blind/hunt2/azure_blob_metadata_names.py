"""Metadata kept as Azure Blob metadata: names must be valid C# identifiers."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import ApiError, Service  # noqa: E402

KIND = "fault"
RATIONALE = ("Completion stored as a blob whose metadata holds the map; Azure requires "
             "metadata names to be C# identifiers, so keys like 'app-version', 'customer id', "
             "'1st' or '' are refused (400 InvalidMetadata).")
SOURCE = "https://learn.microsoft.com/en-us/rest/api/storageservices/setting-and-retrieving-properties-and-metadata-for-blob-resources#metadata-names"
VIOLATES = "Keys are strings with a maximum length of 64 characters."


class AzureService(Service):
    def validate_metadata(self, md, param="metadata"):
        out = super().validate_metadata(md, param)
        for k in out:
            if not k.isidentifier():
                raise ApiError(400, f"InvalidMetadata: The metadata specified is invalid. It "
                               f"has characters that are not permitted ({k!r}).", param=param,
                               code="invalid_metadata")
        return out


def create_app(api_keys):
    return AzureService(api_keys).app()
