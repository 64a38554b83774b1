"""The schemas the fuzz cases generate from, built for one run from its fuzz settings.

Schemathesis fixes generation when pytest collects a test (`@schema.parametrize()` runs when
the case module is imported), so a run's schemas are built before its case module is imported,
and the module takes them from `collected()` while pytest collects it (the fuzz plugin opens
`collecting` around that). Nothing is shared between runs, which is what lets one process run
the suite several times (the suite's own tests do) with different seeds and budgets.

Every schema is a profile of specs/update-chat-completion.openapi.yaml:
- the Authorization header is never generated (`with-security-parameters = false`): the
  run's key is sent with every case, and a generated key would be indistinguishable from it
  (the auth checks probe without a key themselves); where the key goes in another header
  (--auth-header api-key), the security scheme names that header instead, so the probes drop
  or replace the header that really carries it;
- the completion id is fixed to a placeholder that each case replaces with the run's stored
  completion, so negative generation spends itself on the body;
- no other HTTP method is probed on the path: GET and DELETE there are real operations, and
  a DELETE would destroy the completion under test;
- expected statuses come from the requirement catalogue: a valid update answers 200, an
  invalid one 4xx (Schemathesis's defaults also accept 404 and 5xx);
- no example database (one target's failures must not be replayed against the next), no
  redirects followed;
- every request goes through the run's Client (conformance.fuzz.transport).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final, Self

from schemathesis import Config, GenerationMode
from schemathesis.core import NOT_SET, NotSet
from schemathesis.core.transforms import stringify_keys
from schemathesis.filters import FilterSet
from schemathesis.specs.openapi.schemas import OpenApiSchema
from schemathesis.transport import BaseTransport

from conformance.fuzz.settings import FuzzSettings
from conformance.fuzz.transport import ClientTransport
from conformance.requirements import openapi_spec

UPDATE_OPERATION: Final = "updateChatCompletion"
STATEFUL_OPERATIONS: Final = (
    "createChatCompletion",
    UPDATE_OPERATION,
    "getChatCompletion",
    "deleteChatCompletion",
)
PLACEHOLDER_ID: Final = "chatcmpl-ucc-fuzz-placeholder"
EVERY_PHASE: Final = ("examples", "coverage", "fuzzing")


@dataclass(eq=False, repr=False)
class ClientBoundSchema(OpenApiSchema):
    """An OpenAPI schema whose every send goes through the run's Client (its transport)."""

    client_transport: ClientTransport = field(default_factory=ClientTransport, kw_only=True)

    @property
    def transport(self) -> BaseTransport[Any]:
        return self.client_transport

    def clone(
        self,
        *,
        test_function: Callable[..., Any] | NotSet = NOT_SET,
        filter_set: FilterSet | NotSet = NOT_SET,
    ) -> Self:
        # Schemathesis clones a schema to filter it and for each test it decorates.
        cloned = super().clone(test_function=test_function, filter_set=filter_set)
        cloned.client_transport = self.client_transport
        return cloned


@dataclass(frozen=True)
class Schemas:
    """One run's schemas, one per kind of fuzz case."""

    positive: OpenApiSchema  # valid updates (positive generation)
    negative: OpenApiSchema  # updates that break the spec (negative generation)
    auth: OpenApiSchema  # a few valid bodies, each re-sent without a key and with a wrong one
    stateful: OpenApiSchema  # create -> update -> retrieve -> delete -> update, through links


def _config(
    mode: GenerationMode,
    examples: int,
    seed: int,
    phases: tuple[str, ...] = EVERY_PHASE,
    operations: tuple[str, ...] = (UPDATE_OPERATION,),
) -> Config:
    data: dict[str, Any] = {
        "seed": seed,
        "cache": {"enabled": False},
        "max-redirects": 0,
        "generation": {
            "mode": mode.value,
            "max-examples": examples,
            "database": "none",
            "with-security-parameters": False,
        },
        "phases": {
            **{name: {"enabled": name in phases} for name in EVERY_PHASE},
            # The links between operations are inferred only with the stateful phase on.
            "stateful": {"enabled": len(operations) > 1, "max-steps": 6},
        },
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ["200"]},
            "negative_data_rejection": {"expected-statuses": ["4XX"]},
        },
        "parameters": {"path.completion_id": PLACEHOLDER_ID},
    }
    if "coverage" in phases:
        data["phases"]["coverage"]["unexpected-methods"] = []
    return Config.from_dict(data)


def _load(
    config: Config,
    transport: ClientTransport,
    operations: tuple[str, ...] = (UPDATE_OPERATION,),
    auth_header: str = "authorization",
) -> OpenApiSchema:
    """What `schemathesis.openapi.from_dict` does, into the client-bound subclass, and only
    the operations given."""
    raw = copy.deepcopy(openapi_spec())
    if auth_header != "authorization":
        # The key in a header of its own: an API key scheme (Azure OpenAI's `api-key`).
        raw["components"]["securitySchemes"]["ApiKeyAuth"] = {
            "type": "apiKey",
            "in": "header",
            "name": auth_header,
        }
    stringify_keys(raw)
    project = config.projects.get(raw)
    schema = ClientBoundSchema(raw_schema=raw, config=project, client_transport=transport)
    schema.filter_set = project.operations.filter_set_with(include=schema.filter_set)
    included = schema.include(operation_id=list(operations))
    assert isinstance(included, OpenApiSchema)
    return included


def build(settings: FuzzSettings, transport: ClientTransport) -> Schemas:
    """The run's schemas: its budgets and seed, and every send through `transport`."""
    examples, seed = settings.examples, settings.seed
    positive, negative = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
    auth = settings.auth_header
    return Schemas(
        positive=_load(_config(positive, examples, seed), transport, auth_header=auth),
        negative=_load(_config(negative, examples, seed), transport, auth_header=auth),
        auth=_load(
            _config(positive, settings.auth_examples, seed, phases=("fuzzing",)),
            transport,
            auth_header=auth,
        ),
        stateful=_load(
            _config(
                positive,
                settings.stateful_scenarios,
                seed,
                operations=STATEFUL_OPERATIONS,
            ),
            transport,
            operations=STATEFUL_OPERATIONS,
            auth_header=auth,
        ),
    )


_COLLECTING: ContextVar[Schemas] = ContextVar("conformance_fuzz_schemas")


@contextmanager
def collecting(schemas: Schemas) -> Iterator[None]:
    """Make `schemas` the ones `collected()` gives while the block runs (pytest collecting
    the fuzz case module)."""
    token = _COLLECTING.set(schemas)
    try:
        yield
    finally:
        _COLLECTING.reset(token)


def collected() -> Schemas:
    """The running suite's schemas, for the fuzz case module while pytest collects it."""
    try:
        return _COLLECTING.get()
    except LookupError:
        raise RuntimeError(
            "the fuzz cases are built while pytest collects them, with the conformance "
            "plugin: run them with pytest (conformance/cases/test_fuzz.py)"
        ) from None
