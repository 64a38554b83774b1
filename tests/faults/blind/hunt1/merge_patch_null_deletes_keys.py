"""Fault: updates are applied as a JSON Merge Patch, so a null value is accepted and deletes the key."""
from base import ChatService, bad_request, build

KIND = "fault"
RATIONALE = ("The update body's metadata is applied with RFC 7396 JSON Merge Patch semantics (merge; `null` "
             "removes a member), so `{\"k\": null}` is accepted with 200 instead of being refused as a "
             "non-string value.")
SOURCE = "RFC 7396 JSON Merge Patch — https://www.rfc-editor.org/rfc/rfc7396"
VIOLATES = "Values are strings with a maximum length of 512 characters."


class MergePatchService(ChatService):
    def parse_update_body(self, body):
        if "metadata" not in body:
            raise bad_request("Missing required parameter: 'metadata'.", param="metadata",
                              code="missing_required_parameter")
        extra = [k for k in body if k != "metadata"]
        if extra:
            raise bad_request(f"Unrecognized request argument supplied: {extra[0]}", param=extra[0],
                              code="unknown_parameter")
        patch = body["metadata"]
        if not isinstance(patch, dict):
            return self.validate_metadata(patch)           # raises the usual type error
        # nulls are patch operations ("remove"), everything else is checked as usual
        self.validate_metadata({k: ("" if v is None else v) for k, v in patch.items()})
        return dict(patch)

    def apply_metadata(self, rec, patch):
        out = dict(rec["metadata"])
        for k, v in patch.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = v
        return out


def create_app(api_keys: dict[str, str]):
    return build(MergePatchService, api_keys)
