"""Fault: a metering gateway overwrites `usage` with the usage of the current call (zero for an update)."""
import json
import re

from base import ChatService, build
from gateway import Gateway, loads

KIND = "fault"
RATIONALE = ("Metering proxy in front of the API writes the tokens consumed by *this* HTTP call into `usage` of "
             "every chat.completion answer; an update consumes no tokens, so its answer reports 0/0/0.")
SOURCE = "LLM gateways' usage-accounting middleware (per-request token metering, e.g. LiteLLM/Helicone-style proxies)"
VIOLATES = "Usage statistics for the completion request."

ITEM = re.compile(r"^/v1/chat/completions/[^/]+$")


class MeteringGateway(Gateway):
    async def handle(self, request, method, path, path_qs, headers, body):
        resp = await self.forward(method, path_qs, headers, body)
        content = resp.content
        obj = loads(content)
        if (method == "POST" and ITEM.match(path) and isinstance(obj, dict)
                and obj.get("object") == "chat.completion"):
            obj["usage"] = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0,
                            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                          "accepted_prediction_tokens": 0,
                                                          "rejected_prediction_tokens": 0}}
            content = json.dumps(obj).encode()
        return resp.status_code, dict(resp.headers), content


def create_app(api_keys: dict[str, str]):
    return MeteringGateway(build(ChatService, api_keys)).asgi()
