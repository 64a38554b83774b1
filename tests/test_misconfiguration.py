"""A user's mistake is a usage error in one line, never a verdict charged to the vendor.

A wrong key, a base URL without its version prefix, a proxy's HTML page: each is refused
before any case with exit code 4, one `ERROR:` line saying what to change, and no report. A
target that connects but cannot be set up (its create is refused) gets a run whose cause is
printed once, whose cases say "not run", and in which no requirement passes or fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from conformance.collection import CASES_DIR
from conformance.failures import NOT_RUN
from conformance.reference import BackgroundServer, ReferenceApi
from conformance.reference.app import ApiError
from tests.conftest import API_KEY, SuiteRun

Serve = Callable[..., BackgroundServer]
Run = Callable[..., SuiteRun]


def one_usage_error(run: SuiteRun) -> str:
    """The run's one ERROR line, after checking it is all the run said and left behind."""
    text = f"{run.result.stdout}\n{run.result.stderr}"
    assert run.result.ret == pytest.ExitCode.USAGE_ERROR, text
    errors = [line for line in text.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1, text
    assert "Traceback" not in text and "collected" not in text and "PASS" not in text, text
    assert API_KEY not in text
    assert not run.reports_dir.exists() or not any(run.reports_dir.iterdir())
    return errors[0]


def test_refused_key_is_one_line_naming_the_request_that_was_refused(
    serve: Serve, run_suite: Run
) -> None:
    """A mistyped key is the user's error: not 100 setup errors and a FAIL of UCC-ID-*."""
    server = serve(ReferenceApi)
    run = run_suite(f"--base-url={server.base_url}", "--api-key=sk-mistyped-key", "--model=m")
    line = one_usage_error(run)
    assert line.startswith(f"ERROR: the API key was refused: GET {server.base_url}/chat/")
    assert line.endswith("answered 401")
    assert "sk-mistyped-key" not in line


def test_refused_second_key_is_one_line_naming_its_option_before_any_create(
    serve: Serve, run_suite: Run
) -> None:
    """A mistyped --second-api-key is the user's error, not the vendor's FAIL of
    UCC-AUTH-TENANT-ISOLATION: told before anything is created, never with its value."""
    created: list[str] = []

    class CountsCreates(ReferenceApi):
        def complete(self, tenant: str, body: Any) -> Any:
            created.append(tenant)
            return super().complete(tenant, body)

    server = serve(CountsCreates)
    wrong = "sk-mistyped-second-key-0123456789"
    run = run_suite(
        f"--base-url={server.base_url}",
        f"--api-key={API_KEY}",
        f"--second-api-key={wrong}",
        "--model=m",
    )
    line = one_usage_error(run)
    assert line.startswith(
        "ERROR: the second API key (--second-api-key or $CONFORMANCE_SECOND_API_KEY) was "
        f"refused: GET {server.base_url}/chat/"
    ), line
    assert "answered 401" in line and wrong not in line
    assert created == []


class UnknownIdsAnswer404BeforeTheKey(ReferenceApi):
    """A retrieve of an id nobody stored is answered 404 before the key is looked at (as a
    cache in front of the API may): the preflight's probe cannot tell a wrong key there."""

    async def retrieve_endpoint(self, request: Request) -> Response:
        completion_id = request.path_params["completion_id"]
        if all(self.store.get(t, completion_id) is None for t in set(self.keys.values())):
            raise ApiError(404, "No such chat completion.", code="not_found")
        return await super().retrieve_endpoint(request)


def test_second_key_refused_within_the_case_is_inconclusive_not_a_failure(
    serve: Serve, run_suite: Run
) -> None:
    """401 says the key is not valid (no verdict on isolation, whose answers are 404 and
    403): UCC-AUTH-TENANT-ISOLATION is INCONCLUSIVE and says the second key was refused."""
    server = serve(UnknownIdsAnswer404BeforeTheKey)
    run = run_suite(
        f"--base-url={server.base_url}",
        f"--api-key={API_KEY}",
        "--second-api-key=sk-mistyped-second-key-0123456789",
        "--model=m",
        "--consistency-timeout=0",
        "-m",
        "auth",
    )
    assert run.verdicts["UCC-AUTH-TENANT-ISOLATION"] == "INCONCLUSIVE", run.result.stdout.str()
    (requirement,) = [
        r for r in run.compliance["requirements"] if r["id"] == "UCC-AUTH-TENANT-ISOLATION"
    ]
    (case,) = requirement["cases"]
    assert case["message"].startswith(
        "the second key (--second-api-key) was refused: retrieve, list, update, delete with it "
        "answered HTTP 401"
    ), case["message"]


@pytest.mark.parametrize("no_create", [False, True], ids=["create-probe", "no-create"])
def test_base_url_without_the_version_prefix_suggests_it(
    serve: Serve, run_suite: Run, no_create: bool
) -> None:
    """Every path answers 404 without /v1: the user is told what they probably meant, and
    UCC-ID-UNKNOWN-404 does not get a false PASS from it."""
    server = serve(PlainNotFound)
    args = [f"--base-url={server.origin}", f"--api-key={API_KEY}", "--model=m"]
    if no_create:
        args += ["--no-create"]
    line = one_usage_error(run_suite(*args))
    assert f"ERROR: {server.origin} serves no chat-completions API: " in line
    assert line.endswith(f"did you mean {server.origin}/v1?")


def test_base_url_that_answers_an_html_page_is_not_the_api(serve: Serve, run_suite: Run) -> None:
    """A proxy's or a web site's page in place of the API: named as such, before any case."""
    server = serve(HtmlEverywhere)
    run = run_suite(f"--base-url={server.base_url}", f"--api-key={API_KEY}", "--model=m")
    line = one_usage_error(run)
    assert "serves no chat-completions API" in line and "with an HTML page" in line


def test_reference_app_behind_another_prefix_is_found_by_the_create_probe(
    serve: Serve, run_suite: Run
) -> None:
    """Its 404s carry the API's error envelope, so only the create path's 404 tells; an API's
    own 404 is also how Azure OpenAI answers a request without api-version, so the line names
    both."""
    server = serve(ReferenceApi)
    wrong = f"{server.origin}/api/v1"
    line = one_usage_error(run_suite(f"--base-url={wrong}", f"--api-key={API_KEY}", "--model=m"))
    assert f"POST {wrong}/chat/completions answered HTTP 404" in line
    assert (
        "; check the base URL (it must be the one the API's own clients use), and whether" in line
    )
    assert line.endswith("(Azure OpenAI's api-version: --query api-version=VERSION)")


def test_refused_create_is_told_once_and_no_requirement_is_judged(
    serve: Serve, run_suite: Run
) -> None:
    """The target could not be set up: the cause with its transcript, once; each case that
    needed it "not run"; no PASS or FAIL anywhere; the run does not pass."""
    server = serve(RefusesTheModel)
    run = run_suite(
        f"--base-url={server.base_url}",
        f"--api-key={API_KEY}",
        "--model=no-such-model",
        "--consistency-timeout=0",
    )
    out = str(run.result.stdout)
    doc = run.compliance
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED, out[-3000:]
    assert doc["verdict"] == "SETUP FAILED"
    assert doc["headline"].startswith(
        "SETUP FAILED: could not create a chat completion to test with (POST "
        "/chat/completions answered HTTP 400); no requirement was judged"
    )
    assert set(run.verdicts.values()) <= {"INCONCLUSIVE", "SKIP", "NOT RUN", "INFO"}
    assert len(doc["setup_failures"]) == 1
    assert out.count("The model `no-such-model` does not exist") == 1, out[-3000:]
    assert out.count("SETUP FAILED: no requirement was judged") == 1
    stopped = [
        case
        for r in doc["requirements"]
        for case in r["cases"]
        if case["verdict"] == "INCONCLUSIVE" and case["message"] == NOT_RUN
    ]
    assert len(stopped) > 20
    assert "ERROR at setup" not in out and "Traceback" not in out


class PlainNotFound(ReferenceApi):
    """A server with no route at the root: every path answers a plain-text 404, as a web
    framework's default does."""

    def app(self) -> Any:
        application = super().app()

        async def plain(request: Request, exc: Exception) -> Response:
            return Response("Not Found", status_code=404, media_type="text/plain")

        application.add_exception_handler(404, plain)
        return application


class HtmlEverywhere(ReferenceApi):
    """A web server's page answers every request (200, text/html)."""

    async def retrieve_endpoint(self, request: Request) -> Response:
        return HTMLResponse("<html><body>Welcome to nginx!</body></html>")

    async def create_endpoint(self, request: Request) -> Response:
        return HTMLResponse("<html><body>Welcome to nginx!</body></html>")


class RefusesTheModel(ReferenceApi):
    """The create is refused: the model the user named does not exist at this vendor."""

    def complete(self, tenant: str, body: Any) -> Any:
        model = body.get("model") if isinstance(body, dict) else None
        raise ApiError(
            400,
            f"The model `{model}` does not exist or you do not have access to it.",
            param="model",
            code="model_not_found",
        )


def test_no_setup_failure_in_a_healthy_run(run_against: Callable[..., SuiteRun]) -> None:
    """The other side: a run that could set up reports no setup failure and a verdict."""
    run = run_against(ReferenceApi, "-m", "limits")
    assert run.compliance["setup_failures"] == []
    assert run.compliance["verdict"] == "PASSED"
    assert json.dumps(run.compliance).count("SETUP FAILED") == 0


class RefusesEveryUpdate(ReferenceApi):
    """Every update is refused with 400, valid or not: nothing the suite writes lands."""

    def validate_update(self, body: Any) -> dict[str, str]:
        raise ApiError(400, "Updates are disabled for this project.", code="updates_disabled")


def test_refused_preconditions_are_inconclusive_in_a_few_requests(
    run_against: Callable[..., SuiteRun],
) -> None:
    """A refused plain update is explained once (does the target merge and lack room?) and
    then INCONCLUSIVE; the explanation never probes again from inside itself."""
    run = run_against(RefusesEveryUpdate, "-k", "UCC-LIMIT-PAIRS-17")
    assert run.verdicts["UCC-LIMIT-PAIRS-17"] == "INCONCLUSIVE"
    assert run.compliance["requests_sent"] < 15, run.compliance["requests_sent"]
    assert run.result.ret == pytest.ExitCode.TESTS_FAILED


def test_under_xdist_a_setup_failure_is_told_once(
    serve: Serve, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """Each worker meets the refused create with its own exchange; the run has one cause."""
    server = serve(RefusesTheModel)
    reports = tmp_path / "reports"
    result = pytester.runpytest_subprocess(
        str(CASES_DIR),
        "-n",
        "2",
        "--no-fuzz",
        f"--reports-dir={reports}",
        f"--base-url={server.base_url}",
        f"--api-key={API_KEY}",
        "--model=no-such-model",
        "--consistency-timeout=0",
    )
    doc = json.loads((reports / "compliance.json").read_text("utf-8"))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert doc["verdict"] == "SETUP FAILED"
    assert len(doc["setup_failures"]) == 1, doc["setup_failures"]


@pytest.mark.parametrize("where", ["reports-dir", "history-dir", "history-other-file"])
def test_an_output_the_run_cannot_write_is_refused_before_anything_is_sent(
    run_suite: Run, tmp_path: Path, where: str
) -> None:
    """A reports directory under a file, or a history that is a directory or another file a
    typo named: one line up front, instead of a traceback after the cases ran (and, for
    another file, a history line appended to it)."""
    other = tmp_path / "notes.txt"
    other.write_text("not a history\n", encoding="utf-8")
    option, problem = {
        "reports-dir": (f"--reports-dir={other / 'reports'}", f"{other} is not a directory"),
        "history-dir": (f"--history={tmp_path}", f"{tmp_path} is a directory"),
        "history-other-file": (f"--history={other}", f"{other} is not a history file"),
    }[where]
    line = one_usage_error(run_suite(option))
    assert line.startswith(f"ERROR: {option.split('=')[0]}") and problem in line, line
    assert other.read_text(encoding="utf-8") == "not a history\n"


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (["--model=gpt-x"], {}, "ERROR: --model given without a base URL: "),
        ([f"--api-key={API_KEY}", "--model=m"], {}, "ERROR: --api-key, --model given without "),
        (["--base-url="], {}, "ERROR: --base-url is empty: "),
        ([], {"PYTEST_BASE_URL": ""}, "ERROR: $PYTEST_BASE_URL is empty: "),
    ],
    ids=["model", "key-and-model", "empty-flag", "empty-variable"],
)
def test_a_vendor_meant_but_no_base_url_is_no_embedded_pass(
    run_suite: Run,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    said: str,
) -> None:
    """Without a base URL the suite tests its embedded server: a vendor's key or model typed
    on the command line, or a base URL given empty (an unset variable in a CI file), would
    otherwise end in the embedded server's PASS standing in for the vendor's result."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert one_usage_error(run_suite(*args)).startswith(said)


def test_a_key_and_model_in_the_environment_leave_the_embedded_run_alone(
    run_suite: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shell that exports OPENAI_API_KEY for other tools still runs the self-test."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-shell")
    monkeypatch.setenv("CONFORMANCE_MODEL", "gpt-x")
    run = run_suite("-k", "test_valid_update_answers_200_with_json")
    assert run.result.ret == pytest.ExitCode.OK, run.result.stdout
    assert run.compliance["target"]["embedded"] is True


@pytest.mark.parametrize("where", ["variable", "profile"])
def test_a_base_url_error_names_where_the_url_came_from(
    run_suite: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, where: str
) -> None:
    """A query in $PYTEST_BASE_URL or in a profile's base_url: the error names that source,
    and for a profile the table its parameters go in, never a flag the user did not type."""
    url = "http://127.0.0.1:1/v1?api-version=2024-10-21"
    if where == "variable":
        monkeypatch.setenv("PYTEST_BASE_URL", url)
        args = [f"--api-key={API_KEY}", "--model=m"]
        said = "ERROR: $PYTEST_BASE_URL must not have a query (?api-version): "
    else:
        monkeypatch.delenv("PYTEST_BASE_URL", raising=False)
        profile = tmp_path / "vendor.toml"
        profile.write_text(f'base_url = "{url}"\nmodel = "m"\n', encoding="utf-8")
        args = [f"--api-key={API_KEY}", f"--profile={profile}"]
        said = "ERROR: the profile's base_url must not have a query (?api-version): "
    line = one_usage_error(run_suite(*args))
    assert line.startswith(said), line
    assert ("[query] table" in line) == (where == "profile"), line
    assert "2024-10-21" not in line
