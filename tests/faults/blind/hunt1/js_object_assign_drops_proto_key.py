"""Fault: metadata is copied with Object.assign semantics; the key "__proto__" goes to the prototype setter and is lost."""
from base import ChatService, build

KIND = "fault"
RATIONALE = ("Node.js service copies metadata into a fresh object with Object.assign({}, metadata) before "
             "saving; assigning \"__proto__\" invokes the prototype setter (a string value is ignored) instead "
             "of creating an own property, so a pair with that key is silently dropped.")
SOURCE = ("MDN Object.prototype.__proto__ / Object.assign (uses [[Set]]) — "
          "https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Object/assign")
VIOLATES = "Set of 16 key-value pairs that can be attached to an object."


class ObjectAssignService(ChatService):
    def transform_metadata_for_storage(self, md, rec):
        out = {}
        for k, v in md.items():
            if k == "__proto__":
                continue            # setter: non-object value ignored, no own property created
            out[k] = v
        return out


def create_app(api_keys: dict[str, str]):
    return build(ObjectAssignService, api_keys)
