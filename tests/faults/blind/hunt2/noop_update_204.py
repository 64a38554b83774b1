"""An update that changes nothing answers 204 No Content."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from starlette.responses import Response  # noqa: E402
from _hunt2_core import Service  # noqa: E402

KIND = "fault"
RATIONALE = ("The handler answers 'nothing modified' with 204 and no body when the sent "
             "metadata equals the stored map (rowcount 0 from UPDATE ... WHERE metadata <> ?), "
             "a common REST idiom; re-sending the same metadata gets no object back.")
SOURCE = "https://www.rfc-editor.org/rfc/rfc9110#name-204-no-content"
VIOLATES = "The ChatCompletion object matching the specified ID."


class NoopService(Service):
    def apply_update(self, tenant, cid, md, body):
        cur = self.store.get(tenant, cid)
        if cur is None:
            return None
        if (cur.get("metadata") or {}) == md:
            return Response(status_code=204)
        return self.store.replace_metadata(tenant, cid, md)


def create_app(api_keys):
    return NoopService(api_keys).app()
