"""Fault: a Java gateway re-serializes answers through Gson Map<String,Object>, turning every number into a double."""
import json
from decimal import Decimal

from base import ChatService, build
from gateway import Gateway

KIND = "fault"
RATIONALE = ("Java edge proxy parses upstream JSON with Gson into Map<String, Object> (numbers become Double) "
             "and writes it back: `created` becomes 1.73896061E9, `index` 0.0 and token counts 19.0 — "
             "no longer integers.")
SOURCE = ("Gson ObjectTypeAdapter deserializes JSON numbers as Double by default (google/gson issue #1084; "
          "ToNumberPolicy.DOUBLE); Java Double.toString uses E-notation from 10^7")
VIOLATES = "The Unix timestamp (in seconds) of when the chat completion was created."


def java_double(x: float) -> str:
    if x == 0:
        return "0.0"
    a = abs(x)
    if 1e-3 <= a < 1e7:
        r = repr(float(x))
        return r if ("." in r or "e" in r) else r + ".0"
    sign, digits, exp = Decimal(repr(float(x))).normalize().as_tuple()
    digits = list(digits) or [0]
    e10 = exp + len(digits) - 1
    mant = str(digits[0]) + "." + ("".join(map(str, digits[1:])) or "0")
    return ("-" if sign else "") + mant + "E" + str(e10)


def gson_dump(o) -> str:
    if isinstance(o, bool) or o is None:
        return json.dumps(o)
    if isinstance(o, (int, float)):
        return java_double(float(o))
    if isinstance(o, str):
        s = json.dumps(o, ensure_ascii=False)
        for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("=", "\\u003d"), ("'", "\\u0027")):
            s = s.replace(ch, esc)          # Gson's default HTML-safe escaping (valid JSON)
        return s
    if isinstance(o, list):
        return "[" + ",".join(gson_dump(v) for v in o) + "]"
    return "{" + ",".join(gson_dump(str(k)) + ":" + gson_dump(v) for k, v in o.items()) + "}"


class GsonGateway(Gateway):
    async def handle(self, request, method, path, path_qs, headers, body):
        resp = await self.forward(method, path_qs, headers, body)
        try:
            obj = json.loads(resp.content)
        except ValueError:
            return resp.status_code, dict(resp.headers), resp.content
        try:
            out = gson_dump(obj).encode("utf-8")
        except UnicodeEncodeError:
            out = resp.content
        return resp.status_code, dict(resp.headers), out


def create_app(api_keys: dict[str, str]):
    return GsonGateway(build(ChatService, api_keys)).asgi()
