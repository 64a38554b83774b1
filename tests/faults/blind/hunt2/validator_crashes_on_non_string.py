"""Hand-written validator that assumes the metadata is a map of strings."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import ApiError, Service  # noqa: E402

KIND = "fault"
RATIONALE = ("The validator only checks len(): a number/null/bool value (or a non-object "
             "metadata) raises TypeError/AttributeError, answered 500 by the framework's "
             "generic error handler, and list or object values (which have a len) are "
             "accepted and stored.")
SOURCE = "Duck-typed Python/JavaScript validation (len()/.length without a type check)"
VIOLATES = "Values are strings with a maximum length of 512 characters."


class DuckService(Service):
    def validate_metadata(self, md, param="metadata"):
        if md is None:
            return {}
        if len(md) > 16:
            raise ApiError(400, "metadata: at most 16 pairs", param=param,
                           code="object_above_max_properties")
        out = {}
        for k, v in md.items():
            if len(k) > 64:
                raise ApiError(400, "metadata: key too long", param=param,
                               code="string_above_max_length")
            if len(v) > 512:
                raise ApiError(400, "metadata: value too long", param=f"{param}.{k}",
                               code="string_above_max_length")
            out[k] = v
        return out


    def wrap(self, handler):
        inner = super().wrap(handler)

        async def endpoint(request):
            try:
                return await inner(request)
            except (TypeError, AttributeError):          # generic 500 handler
                return self.respond({"error": {"message": "The server had an error while "
                                               "processing your request. Sorry about that!",
                                               "type": "server_error", "param": None,
                                               "code": None}}, 500)
        return endpoint


def create_app(api_keys):
    return DuckService(api_keys).app()
