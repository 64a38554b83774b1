"""How Schemathesis's requests reach the target: through the run's own `Client`.

Schemathesis sends with `requests`; its checks re-send too (ignored_auth probes without the
key). A `requests.Session` whose only adapter hands each prepared request to `Client.send`
puts every one of those requests under the suite's rules: the same connection pool, timeout,
body cap, Retry-After handling, breaker and request counter, and an `Exchange` for the
failure transcript (redacted, with a curl line that never holds the key). Redirects are
never followed, as everywhere in the suite.
"""

from __future__ import annotations

import http.cookiejar
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.transport.requests import REQUESTS_TRANSPORT, RequestsTransport
from urllib3 import HTTPResponse
from urllib3._collections import HTTPHeaderDict

from conformance.client import Client, Exchange
from conformance.fuzz.answers import Answers, request_key
from conformance.fuzz.limits import Creations, Throttle

# Hop-by-hop and transfer headers: the Client's own HTTP stack sets them.
_NOT_FORWARDED = frozenset({"connection", "content-length", "accept-encoding", "user-agent"})
CREATE_PATH = "/chat/completions"


class TransportFailure(requests.exceptions.ConnectionError):
    """The target gave no HTTP answer (timeout, reset, breaker open); carries the exchange."""

    def __init__(self, exchange: Exchange) -> None:
        super().__init__(exchange.error)
        self.exchange = exchange


class ClientAdapter(HTTPAdapter):
    """A requests adapter that sends through `Client` and answers with what came back."""

    def __init__(
        self,
        client: Client,
        throttle: Throttle,
        creations: Creations,
        answers: Answers | None = None,
    ) -> None:
        super().__init__(max_retries=0)
        self.client = client
        self.throttle = throttle
        self.creations = creations
        self.answers = answers  # answers shared over the run (conformance.fuzz.answers)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        url = str(request.url)
        if not url.startswith(self.client.base_url + "/"):
            raise requests.exceptions.InvalidURL(
                f"fuzzing only talks to the target ({self.client.base_url}), not to {url}"
            )
        path = url[len(self.client.base_url) :]
        method = str(request.method)
        creates = method == "POST" and path.split("?", 1)[0] == CREATE_PATH
        if creates:
            self.creations.allow()
        # Lower-case names, as the Client's own: its defaults are then replaced, not doubled.
        headers = {
            name.lower(): value.decode("latin-1") if isinstance(value, bytes) else value
            for name, value in request.headers.items()
            if name.lower() not in _NOT_FORWARDED
        }
        body = request.body
        if body is not None and not isinstance(body, str | bytes):
            raise TypeError("fuzzing sends bodies as bytes, not streams")
        content = body.encode("utf-8") if isinstance(body, str) else body
        key = request_key(method, path, content, headers, self.client.access.auth_header)
        if self.answers is not None:
            earlier = self.answers.answer(key)
            if earlier is not None:
                if self.client.journal is not None:
                    self.client.journal.append(earlier)
                return self._response(request, earlier)
            self.answers.fresh(content)
        self.throttle.wait()
        # key=None: the key's header, or its absence, is the prepared request's own; the run's
        # extra headers and query parameters are added by the Client, as to every request.
        exchange = self.client.send(method, path, content=content, key=None, headers=headers)
        if self.answers is not None:
            self.answers.keep(key, exchange)
        if exchange.error is not None:
            raise TransportFailure(exchange)
        if creates:
            self._remember_created(exchange)
        return self._response(request, exchange)

    def _response(self, request: requests.PreparedRequest, exchange: Exchange) -> requests.Response:
        """The requests response for an exchange the Client recorded."""
        raw = HTTPResponse(
            body=exchange.response_body,
            headers=HTTPHeaderDict(exchange.response_headers),
            status=exchange.status or 0,
            version=11,
            reason=_reason(exchange.status),
            preload_content=False,
            decode_content=False,
        )
        response = self.build_response(request, raw)
        # The Client read (and capped) the body already; requests must not read it again.
        response._content = exchange.response_body
        return response

    def _remember_created(self, exchange: Exchange) -> None:
        # Decoded where every body is (Exchange.json): an answer nested 100,000 deep is the
        # target's failure there, not a RecursionError here.
        created = (exchange.json_object() or {}).get("id")
        if exchange.status == 200 and isinstance(created, str):
            self.creations.ids.append(created)


def _reason(status: int | None) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status or 0).phrase
    except ValueError:
        return ""


class ClientSession(requests.Session):
    """A session that only ever talks to the target through `ClientAdapter`."""

    def __init__(self, adapter: ClientAdapter) -> None:
        super().__init__()
        self.trust_env = False  # no proxies or .netrc credentials from the environment
        self.headers.clear()  # Schemathesis merges session headers into every request
        self.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        return None  # a redirect is the answer under test, never followed (as in Client)


class ClientTransport(RequestsTransport):
    """Schemathesis's requests transport, with every send going through the bound session.

    Schemathesis sends a case (`case.call`), and some checks send again: the ignored_auth
    probes drop the caller's session on purpose, to shed its credentials. Binding the session
    here, where every send passes, keeps those under the Client's rules as well.
    """

    def __init__(self) -> None:
        super().__init__()
        self._copy_serializers_from(REQUESTS_TRANSPORT)
        self.session: ClientSession | None = None

    def send(
        self, case: Case[Any], *, session: requests.Session | None = None, **kwargs: Any
    ) -> Response:
        if self.session is None:
            raise RuntimeError("fuzz cases send only while a Client session is bound")
        return super().send(case, session=self.session, **kwargs)

    @contextmanager
    def bound(
        self,
        client: Client,
        throttle: Throttle,
        creations: Creations,
        answers: Answers | None = None,
    ) -> Iterator[ClientSession]:
        """Every Schemathesis send inside the block goes through `client`; with `answers`, a
        request sent before in the run is answered from there."""
        session = ClientSession(ClientAdapter(client, throttle, creations, answers))
        previous, self.session = self.session, session
        try:
            yield session
        finally:
            self.session = previous
            session.close()
