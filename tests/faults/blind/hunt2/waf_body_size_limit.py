"""A WAF in front of the API blocks request bodies over 8 KB."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from starlette.responses import HTMLResponse  # noqa: E402
from _hunt2_core import ProxyApp, Service  # noqa: E402

KIND = "fault"
RATIONALE = ("AWS WAF Core Rule Set SizeRestrictions_BODY blocks bodies larger than 8 KB with "
             "a 403 HTML page; 16 pairs of 64-character keys and 512-character values (~9.5 KB "
             "of JSON, more with non-ASCII) are valid metadata but never reach the API.")
SOURCE = "https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html (SizeRestrictions_BODY)"
VIOLATES = "Values are strings with a maximum length of 512 characters."

LIMIT = 8 * 1024


class Waf(ProxyApp):
    async def on_request(self, req):
        if req["method"] in ("POST", "PUT", "PATCH") and len(req["body"]) > LIMIT:
            return HTMLResponse("<html><head><title>403 Forbidden</title></head><body>"
                                "<center><h1>403 Forbidden</h1></center></body></html>",
                                status_code=403)
        return None


def create_app(api_keys):
    return Waf(Service(api_keys).app())
