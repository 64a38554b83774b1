"""A gateway re-encodes the update as form/query pairs without escaping '+'."""
import json
from urllib.parse import parse_qsl, quote
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _hunt2_core import ApiError, ProxyApp, Service, json_body  # noqa: E402

KIND = "fault"
RATIONALE = ("Java gateway forwards the update to the legacy backend as form pairs "
             "metadata[k]=v built with Spring UriComponentsBuilder.encode(), which leaves '+' "
             "unescaped (legal in a query); the backend form-decodes '+' as a space, so "
             "'a+b' / 'C++' / '+1 555' come back with spaces.")
SOURCE = "https://github.com/spring-projects/spring-framework/issues/21577 (UriComponentsBuilder does not encode '+')"
VIOLATES = ("This can be useful for storing additional information about the object in a "
            "structured format, and querying for objects via API or the dashboard.")


def spring_encode(s):
    return quote(s, safe="+")        # '+' is a legal query character: left as is


class FormBackend(Service):
    async def read_body(self, request):
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            raw = (await request.body()).decode("ascii")
            md = {}
            for name, value in parse_qsl(raw, keep_blank_values=True):
                if name.startswith("metadata[") and name.endswith("]"):
                    md[name[len("metadata["):-1]] = value
                elif name != "metadata":
                    raise ApiError(400, f"Unrecognized request argument supplied: {name}")
            return {"metadata": md}
        return await super().read_body(request)


class Gateway(ProxyApp):
    async def on_request(self, req):
        parts = req["path"].strip("/").split("/")
        if req["method"] == "POST" and len(parts) == 4 and parts[:3] == ["v1", "chat",
                                                                          "completions"]:
            body = json_body({"body": req["body"]})
            md = body.get("metadata") if isinstance(body, dict) else None
            if (isinstance(md, dict) and set(body) == {"metadata"}
                    and all(isinstance(v, str) for v in md.values())):
                try:
                    pairs = [f"metadata[{spring_encode(k)}]={spring_encode(v)}"
                             for k, v in md.items()]
                except UnicodeEncodeError:
                    return None          # not encodable: forwarded as JSON
                req["body"] = ("&".join(pairs) if pairs else "metadata=").encode("ascii")
                req["headers"]["content-type"] = "application/x-www-form-urlencoded"
        return None


def create_app(api_keys):
    return Gateway(FormBackend(api_keys).app())
