"""Every `uses:` of the repository is one actionlint accepts: on a runtime GitHub still runs
(node20 was removed from its runners in September 2026), with the inputs it takes, at a version
actionlint knows. `make lint` runs the same commands; these show they pass here and fail where
they should.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORKFLOW = Path(".github/workflows/nightly.yml")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    """actionlint on the workflows, then .ci/lint_uses.py (action.yml, known versions)."""
    first = subprocess.run(
        [str(BIN / "actionlint"), "-oneline"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if first.returncode != 0:
        return first
    return subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "lint_uses.py"), str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_uses_of_the_repository_is_one_actionlint_accepts() -> None:
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The workflows and action.yml in a folder of their own (actionlint finds .github)."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copytree(ROOT / ".github", tmp_path / ".github")
    shutil.copy2(ROOT / "action.yml", tmp_path / "action.yml")
    return tmp_path


@pytest.mark.parametrize(
    ("file", "now", "then", "said"),
    [
        (WORKFLOW, "actions/checkout@v6", "actions/checkout@v4", 'runtime "node20" is deprecated'),
        (Path("action.yml"), "setup-python@v6", "setup-python@v5", 'runtime "node20"'),
        (Path("action.yml"), "upload-artifact@v7", "upload-artifact@v3", "is retired"),
        (Path("action.yml"), "path: ${{", "paths: ${{", 'missing input "path"'),
        (WORKFLOW, "download-artifact@v8", "download-artifact@v88", "does not know"),
    ],
    ids=["workflow-node20", "action-node20", "action-retired", "action-input", "unknown-version"],
)
def test_lint_fails_on_a_uses_actionlint_would_not_accept(
    copy: Path, file: Path, now: str, then: str, said: str
) -> None:
    text = (copy / file).read_text(encoding="utf-8")
    assert now in text
    (copy / file).write_text(text.replace(now, then, 1), encoding="utf-8")
    done = lint(copy)
    assert done.returncode == 1, done.stdout + done.stderr
    assert said in done.stdout
