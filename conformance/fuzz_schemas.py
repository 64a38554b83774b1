"""The schemas the fuzz cases generate from, and the run's fuzz settings.

Schemathesis fixes generation when pytest collects a test, so the schemas are loaded once
here, at import, and `configure` rewrites their settings from the run's options in
`pytest_configure`, before collection. The case module only ever refers to these objects,
which is what lets one process run the suite several times (the suite's own tests do) with
different seeds and budgets.

Every schema is a profile of specs/update-chat-completion.openapi.yaml:
- the Authorization header is never generated (`with-security-parameters = false`): the
  run's key is sent with every case, and a generated key would be indistinguishable from it
  (the auth checks probe without a key themselves);
- the completion id is fixed to a placeholder that each case replaces with the run's stored
  completion, so negative generation spends itself on the body;
- no other HTTP method is probed on the path: GET and DELETE there are real operations, and
  a DELETE would destroy the completion under test;
- expected statuses come from the requirement catalogue: a valid update answers 200, an
  invalid one 4xx (Schemathesis's defaults also accept 404 and 5xx);
- no example database (one target's failures must not be replayed against the next), no
  redirects followed.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from typing import Any, Final

import yaml
from schemathesis import Config, GenerationMode, openapi
from schemathesis.specs.openapi.schemas import OpenApiSchema
from schemathesis.transport import BaseTransport

from conformance.fuzz_transport import CLIENT_TRANSPORT
from conformance.requirements import OPENAPI_PATH

UPDATE_OPERATION: Final = "updateChatCompletion"
STATEFUL_OPERATIONS: Final = (
    "createChatCompletion",
    UPDATE_OPERATION,
    "getChatCompletion",
    "deleteChatCompletion",
)
PLACEHOLDER_ID: Final = "chatcmpl-ucc-fuzz-placeholder"
DEFAULT_EXAMPLES: Final = 20
# A stateful run against a vendor (--fuzz-stateful) creates at most this many completions.
STATEFUL_CREATION_BUDGET: Final = 30


@dataclass
class FuzzSettings:
    """The run's fuzz options, resolved (CLI > environment > ini > default)."""

    enabled: bool = True
    examples: int = DEFAULT_EXAMPLES
    seed: int = 0
    seed_origin: str = "random"  # "--fuzz-seed", "CI" or "random"
    stateful: bool = False  # --fuzz-stateful: stateful runs at a vendor too
    max_rps: float | None = None

    @property
    def auth_examples(self) -> int:
        """The auth probes send three requests a case and vary little with the body."""
        return max(1, self.examples // 8)

    @property
    def stateful_scenarios(self) -> int:
        return max(2, self.examples // 2)


SETTINGS = FuzzSettings()


def _config(mode: GenerationMode, phases: tuple[str, ...], operations: tuple[str, ...]) -> Config:
    every = ("examples", "coverage", "fuzzing")
    data: dict[str, Any] = {
        "cache": {"enabled": False},
        "max-redirects": 0,
        "generation": {
            "mode": mode.value,
            "max-examples": SETTINGS.examples,
            "database": "none",
            "with-security-parameters": False,
        },
        "phases": {
            **{name: {"enabled": name in phases} for name in every},
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


class ClientBoundSchema(OpenApiSchema):
    """An OpenAPI schema whose every send goes through the run's Client (fuzz_transport)."""

    @property
    def transport(self) -> BaseTransport[Any]:
        return CLIENT_TRANSPORT


def _load(
    raw: dict[str, Any],
    mode: GenerationMode,
    operations: tuple[str, ...] = (UPDATE_OPERATION,),
    phases: tuple[str, ...] = ("examples", "coverage", "fuzzing"),
) -> OpenApiSchema:
    schema = openapi.from_dict(copy.deepcopy(raw), config=_config(mode, phases, operations))
    # The loader has no hook for the transport; the subclass only adds that property, and
    # Schemathesis's clones (include, parametrize) keep the class.
    schema.__class__ = ClientBoundSchema
    included = schema.include(operation_id=list(operations))
    assert isinstance(included, OpenApiSchema)
    return included


_RAW: dict[str, Any] = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))

# Valid updates (positive generation), and updates that break the spec (negative).
POSITIVE = _load(_RAW, GenerationMode.POSITIVE)
NEGATIVE = _load(_RAW, GenerationMode.NEGATIVE)
# The auth probes: a few valid bodies, each re-sent without a key and with a wrong one.
AUTH = _load(_RAW, GenerationMode.POSITIVE, phases=("fuzzing",))
# create -> update -> retrieve -> delete -> update, through the links Schemathesis infers.
STATEFUL = _load(_RAW, GenerationMode.POSITIVE, operations=STATEFUL_OPERATIONS)


def configure(settings: FuzzSettings) -> None:
    """Apply the run's options to every schema; called before collection builds the tests."""
    SETTINGS.__dict__.update(settings.__dict__)
    budgets = {id(POSITIVE): settings.examples, id(NEGATIVE): settings.examples}
    budgets[id(AUTH)] = settings.auth_examples
    budgets[id(STATEFUL)] = settings.stateful_scenarios
    for schema in (POSITIVE, NEGATIVE, AUTH, STATEFUL):
        schema.config.generation.update(max_examples=budgets[id(schema)])
        schema.config.seed = settings.seed


def in_ci() -> bool:
    """CI runs are derandomized: Hypothesis's own test (`CI` set to anything) decides."""
    return bool(os.environ.get("CI"))
