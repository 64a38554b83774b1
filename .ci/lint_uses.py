"""Every `uses:` of the repository, as actionlint sees it (make lint: `python .ci/lint_uses.py`).

Two checks beside `actionlint` on the workflows themselves:

- action.yml: actionlint reads workflows only, never an action's own action.yml. Its steps
  that use another action are put into one job of a workflow made for the purpose, checked by
  actionlint from standard input: each `uses:` then meets the same checks as a workflow's (a
  runtime GitHub retired or deprecated, such as node20; an input the action does not take, a
  required one missing). The `with:` keys are kept, each value a placeholder: a composite
  action's `${{ inputs.* }}` is no workflow context.
- known versions: actionlint passes a version it has never heard of (`actions/checkout@v99`)
  in silence. Each `actions/*` step of the workflows and of action.yml is sent once more with
  an input no action has; actionlint knows the version if it answers that the input is not
  defined there. GitHub's own actions are the ones actionlint keeps data on; any other action
  is pinned to a commit (zizmor's policy, .github/zizmor.yml) and not probed.

Local actions (`uses: ./...`) are left out: actionlint checks a workflow's use of them itself.
Exit status: 0 clean, 1 findings (printed one a line), 2 a file that cannot be read.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ACTIONLINT = Path(sys.executable).parent / "actionlint"
PROBE_INPUT = "ucc-probe-unknown-input"


def steps_of(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The steps of a composite action, or of every job of a workflow."""
    yield from document.get("runs", {}).get("steps", []) or []
    for job in (document.get("jobs") or {}).values():
        yield from job.get("steps", []) or []


def external(step: dict[str, Any]) -> str | None:
    uses = step.get("uses")
    return uses if isinstance(uses, str) and not uses.startswith(("./", "docker://")) else None


def workflow(steps: list[dict[str, Any]]) -> str:
    """A workflow whose one job runs `steps`."""
    job = {"runs-on": "ubuntu-latest", "steps": steps or [{"run": "true"}]}
    made = {"on": "workflow_dispatch", "permissions": {}, "jobs": {"uses": job}}
    return yaml.safe_dump(made, sort_keys=False)


def actionlint(text: str, name: str) -> list[str]:
    done = subprocess.run(
        [str(ACTIONLINT), "-oneline", "-stdin-filename", name, "-"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"actionlint failed: {done.stderr.strip()}")
    return done.stdout.splitlines()


def action_findings(action: dict[str, Any], name: str) -> list[str]:
    """actionlint's findings on the action's `uses:` steps."""
    steps = []
    for step in steps_of(action):
        uses = external(step)
        if uses is not None:
            inputs = step.get("with") if isinstance(step.get("with"), dict) else {}
            steps.append({"uses": uses, **({"with": dict.fromkeys(inputs, "x")} if inputs else {})})
    return actionlint(workflow(steps), f"{name} (its uses: steps)")


def unknown_versions(uses: list[str]) -> list[str]:
    """The `actions/*` versions actionlint has no data on (it says nothing of an input no
    action has)."""
    unknown = []
    for one in sorted(set(uses)):
        if not one.startswith("actions/"):
            continue
        said = actionlint(workflow([{"uses": one, "with": {PROBE_INPUT: "x"}}]), one)
        if not any(f'input "{PROBE_INPUT}" is not defined' in line for line in said):
            unknown.append(f"{one}: a version actionlint does not know (a typo, or not released)")
    return unknown


def main(argv: list[str]) -> int:
    root = Path(argv[0] if argv else ".")
    files = [root / "action.yml", *sorted((root / ".github" / "workflows").glob("*.y*ml"))]
    findings: list[str] = []
    uses: list[str] = []
    for path in files:
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            print(f"{path}: cannot read it: {exc}", file=sys.stderr)
            return 2
        uses += [u for u in map(external, steps_of(document)) if u is not None]
        if path.name == "action.yml":
            findings += action_findings(document, str(path))
    findings += unknown_versions(uses)
    for line in findings:
        print(line)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
