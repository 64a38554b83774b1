"""Running the mutants: one cosmic-ray session per mutated file, resumable, in a copy.

Cosmic-ray activates a mutant by rewriting the source file on disk and running the test
command in a new process; that process starts the embedded reference server in a thread
(conformance/settings.py), imports the rewritten module, and so serves the mutant. It does
that in a copy of the repository (reports/mutation/work), never in the working tree, so a
campaign stopped half-way leaves no mutated file behind. The copy is laid anew from the
working tree at every start, without __pycache__ (and the test runs write no bytecode), so a
stale compiled module can never stand in for a mutant.

A session (reports/mutation/sessions/<file>.sqlite) holds every mutant of one file and every
result so far; a new start runs only what is still pending, unless the file's source or the
configuration changed (then the session is made anew) or --fresh is given.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cosmic_ray.plugins
from cosmic_ray.commands.init import init
from cosmic_ray.config import ConfigDict, load_config
from cosmic_ray.mutating import mutate_and_test, mutate_code
from cosmic_ray.testing import run_tests
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkItem, WorkResult

from mutation import operators

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "cosmic-ray.toml"
# What a run of the suite needs: the package, the catalogue it reads, pytest's configuration
# (pytest.ini: without it pytest finds the repository's, and imports the unmutated package).
COPIED = ("conformance", "specs", "conftest.py", "pyproject.toml", "pytest.ini")
MUTANT_REPORTS = "mutant-reports"
FUZZ_ARGS = " --fuzz --fuzz-seed=0"
# Verdicts that mean the suite noticed something, per requirement.
CAUGHT = ("FAIL", "WARN")
NOTED = ("FAIL", "WARN", "ERROR", "INCONCLUSIVE")
# Functions of the mutated files that serve none of the create, retrieve, update, delete and
# list paths; their mutants are skipped, saying why.
OUT_OF_SCOPE = {
    "messages_endpoint": "GET /chat/completions/{id}/messages serves none of the paths in scope",
}


@dataclass(frozen=True)
class Settings:
    """One campaign's choices (the command line of `python -m mutation`)."""

    out_dir: Path
    files: tuple[str, ...] = ()
    fuzz: bool = False
    fresh: bool = False
    rerun_survivors: bool = False
    max_mutants: int | None = None
    timeout: float | None = None
    mutants: tuple[str, ...] = ()  # run these mutant ids (as in the report) again


def register_operators() -> None:
    """Make our two operators known to cosmic-ray beside its core ones, as provider `ucc`."""
    cosmic_ray.plugins.OPERATOR_PROVIDERS.setdefault("ucc", operators.provider())


def load(settings: Settings) -> ConfigDict:
    config = load_config(str(CONFIG))
    if settings.timeout is not None:
        config["timeout"] = settings.timeout
    if settings.fuzz:
        config["test-command"] = config["test-command"] + FUZZ_ARGS
    return config


def modules(config: ConfigDict, files: Iterable[str]) -> list[str]:
    """The configured files to mutate, limited to those named (by path or file name)."""
    configured: list[str] = list(config["module-path"])
    wanted = list(files)
    chosen = [m for m in configured if not wanted or m in wanted or Path(m).name in wanted]
    unknown = [w for w in wanted if not any(w in (m, Path(m).name) for m in configured)]
    if unknown:
        raise SystemExit(
            f"--file {unknown[0]}: not one of the mutated files ({', '.join(configured)})"
        )
    return chosen


def lay_copy(work: Path) -> None:
    """A fresh copy of what a run of the suite needs, without compiled bytecode."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, work / name)


def session_stem(module: str, fuzz: bool) -> str:
    return Path(module).stem + ("-fuzz" if fuzz else "")


def _fingerprint(module: str, config: ConfigDict) -> dict[str, str]:
    """What the session's mutants depend on: the file's source, the operators and filters."""
    source = (ROOT / module).read_bytes()
    operator_names = sorted(cosmic_ray.plugins.operator_names())
    settings = json.dumps(
        [operator_names, config.get("filters", {}), OUT_OF_SCOPE, config.operators_config],
        sort_keys=True,
    )
    return {
        "source_sha256": hashlib.sha256(source).hexdigest(),
        "settings_sha256": hashlib.sha256(settings.encode()).hexdigest(),
    }


def open_session(
    module: str, config: ConfigDict, sessions: Path, stem: str, fresh: bool
) -> tuple[Path, bool]:
    """The session file of `module`, made anew when needed; whether it was made anew."""
    sessions.mkdir(parents=True, exist_ok=True)
    db_path = sessions / f"{stem}.sqlite"
    meta_path = sessions / f"{stem}.json"
    fingerprint = _fingerprint(module, config)
    known = json.loads(meta_path.read_text()) if meta_path.exists() else None
    if not fresh and db_path.exists() and known == fingerprint:
        return db_path, False
    db_path.unlink(missing_ok=True)
    with use_db(str(db_path)) as db:
        init([Path(module)], db, config.operators_config)
        _skip_filtered(db, config)
    meta_path.write_text(json.dumps(fingerprint, indent=1))
    return db_path, True


def _skip_filtered(db: WorkDB, config: ConfigDict) -> None:
    """Mark skipped what the operators filter (cosmic-ray's own setting) or the scope excludes."""
    patterns = config.sub("filters", "operators-filter").get("exclude-operators", ())
    excluded = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
    for item in db.pending_work_items:
        mutation = item.mutations[0]
        why = None
        if excluded is not None and excluded.match(mutation.operator_name):
            why = "filtered operator (cosmic-ray.toml: filters.operators-filter)"
        elif mutation.definition_name in OUT_OF_SCOPE:
            why = "out of scope: " + OUT_OF_SCOPE[mutation.definition_name]
        if why is not None:
            db.set_result(item.job_id, WorkResult(worker_outcome=WorkerOutcome.SKIPPED, output=why))


def test_environment() -> dict[str, str]:
    """`python` in the test command is this venv's, and the runs write no bytecode."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {"PATH": path, "PYTHONDONTWRITEBYTECODE": "1"}


def baseline(config: ConfigDict) -> float:
    """Seconds one run takes on the unmutated copy; exits in one line when it does not pass."""
    started = time.monotonic()
    outcome, output = run_tests(config.test_command, config.timeout)
    seconds = time.monotonic() - started
    if outcome != TestOutcome.SURVIVED:
        tail = output.strip().splitlines()[-1:] if output != "timeout" else ["timed out"]
        raise SystemExit(
            "the suite does not pass against the unmutated reference server, so no mutant can "
            f"be judged: {' '.join(tail)[:300]}"
        )
    return seconds


def run_one(item: WorkItem, config: ConfigDict, work: Path) -> WorkResult:
    """Apply one mutant, run the suite, and keep what the run said about each requirement."""
    broken = _does_not_compile(item, work)
    if broken is not None:
        return WorkResult(
            worker_outcome=WorkerOutcome.NORMAL,
            test_outcome=TestOutcome.INCOMPETENT,
            output=json.dumps({"seconds": 0, "timed_out": False, "tail": broken}),
        )
    reports = work / MUTANT_REPORTS
    shutil.rmtree(reports, ignore_errors=True)
    started = time.monotonic()
    result = mutate_and_test(item.mutations, config.test_command, config.timeout)
    seconds = round(time.monotonic() - started, 2)
    if result.worker_outcome != WorkerOutcome.NORMAL:
        return result
    timed_out = result.output == "timeout"
    record: dict[str, Any] = {"seconds": seconds, "timed_out": timed_out, "verdicts": {}}
    compliance = reports / "compliance.json"
    if compliance.exists() and not timed_out:
        data = json.loads(compliance.read_text(encoding="utf-8"))
        record["complete"] = data.get("complete")
        record["stopped"] = data.get("stopped")
        record["verdicts"] = {
            r["id"]: r["verdict"] for r in data["requirements"] if r["verdict"] in NOTED
        }
    record["tail"] = (result.output or "")[-1500:]
    return WorkResult(
        worker_outcome=result.worker_outcome,
        output=json.dumps(record),
        test_outcome=result.test_outcome,
        diff=result.diff,
    )


def _does_not_compile(item: WorkItem, work: Path) -> str | None:
    """Why the mutant cannot be run, or None: such a mutant is incompetent, not killed.

    Cosmic-ray 8.7 takes the star of `def f(*, a)` for a multiplication (the mutant is not
    Python) and fails on `except (A, json.B)` (no mutant is made)."""
    mutation = item.mutations[0]
    operator = cosmic_ray.plugins.get_operator(mutation.operator_name)(**mutation.operator_args)
    source = (work / mutation.module_path).read_text(encoding="utf-8")
    try:
        mutated = mutate_code(source, operator, mutation.occurrence)
    except Exception as exc:  # an operator's own bug: the mutant cannot be made
        return f"cosmic-ray could not make the mutant: {exc.__class__.__name__}: {exc}"
    if mutated is None:
        return None
    try:
        compile(mutated, str(mutation.module_path), "exec")
    except SyntaxError as exc:
        return f"the mutant does not compile: {exc}"
    return None


def _order(items: Iterable[WorkItem]) -> list[WorkItem]:
    return sorted(
        items,
        key=lambda i: (
            str(i.mutations[0].module_path),
            i.mutations[0].start_pos,
            i.mutations[0].operator_name,
            i.mutations[0].occurrence,
        ),
    )


def to_run(
    db: WorkDB, rerun_survivors: bool, again: frozenset[str] = frozenset()
) -> list[WorkItem]:
    """Pending mutants, and the survivors again when asked (after new cases were added), and
    the mutants whose job ids are in `again`."""
    items = list(db.pending_work_items)
    for item, result in db.completed_work_items:
        survived = (
            result.worker_outcome == WorkerOutcome.NORMAL
            and result.test_outcome == TestOutcome.SURVIVED
        )
        if (rerun_survivors and survived) or item.job_id in again:
            items.append(item)
    return _order(items)


def describe(item: WorkItem, result: WorkResult) -> str:
    mutation = item.mutations[0]
    where = f"{Path(mutation.module_path).name}:{mutation.start_pos[0]}"
    what = mutation.operator_name.split("/")[-1]
    if result.worker_outcome != WorkerOutcome.NORMAL:
        return f"{where} {what}: {result.worker_outcome.value}"
    record = json.loads(result.output or "{}")
    if record.get("timed_out"):
        outcome = "killed (timeout)"
    elif result.test_outcome == TestOutcome.KILLED:
        caught = sorted(r for r, v in record.get("verdicts", {}).items() if v in CAUGHT)
        outcome = "killed" + (
            f" by {', '.join(caught[:3])}" if caught else " (no requirement failed)"
        )
        outcome += " ..." if len(caught) > 3 else ""
    else:
        outcome = str(result.test_outcome.value if result.test_outcome else "?").upper()
    return f"{where} {what}: {outcome} ({record.get('seconds', '?')} s)"


def run(settings: Settings, say: Callable[[str], None] = print) -> list[Path]:
    """Run what is pending of the chosen files; the session files of the chosen files."""
    register_operators()
    config = load(settings)
    chosen = modules(config, settings.files)
    work = settings.out_dir / "work"
    sessions = settings.out_dir / "sessions"
    lay_copy(work)
    os.environ.update(test_environment())
    here = Path.cwd()
    os.chdir(work)
    try:
        db_paths = []
        plan: list[tuple[Path, list[WorkItem]]] = []
        for module in chosen:
            db_path, made = open_session(
                module, config, sessions, session_stem(module, settings.fuzz), settings.fresh
            )
            db_paths.append(db_path)
            again: frozenset[str] = frozenset()
            if settings.mutants:
                from mutation.report import mutants_of  # the ids are the report's

                again = frozenset(m.job_id for m in mutants_of(db_path) if m.id in settings.mutants)
            with use_db(str(db_path), WorkDB.Mode.open) as db:
                items = to_run(db, settings.rerun_survivors, again)
                say(
                    f"{module}: {db.num_work_items} mutants, {len(items)} to run"
                    + (" (new session)" if made else " (resumed)")
                )
            plan.append((db_path, items))
        total = sum(len(items) for _, items in plan)
        if settings.max_mutants is not None and total > settings.max_mutants:
            keep = set(
                id(i)
                for i in random.Random(0).sample(
                    [i for _, its in plan for i in its], settings.max_mutants
                )
            )
            plan = [(p, [i for i in its if id(i) in keep]) for p, its in plan]
            total = settings.max_mutants
        if total:
            seconds = baseline(config)
            say(f"unmutated run passes in {seconds:.1f} s; per-mutant timeout {config.timeout:g} s")
        done = 0
        for db_path, items in plan:
            with use_db(str(db_path), WorkDB.Mode.open) as db:
                for item in items:
                    result = run_one(item, config, work)
                    db.set_result(item.job_id, result)
                    done += 1
                    say(f"[{done}/{total}] {describe(item, result)}")
        return db_paths
    finally:
        os.chdir(here)


def session_files(out_dir: Path, fuzz: bool) -> list[Path]:
    """Every session of the configured files that exists (for the report)."""
    config = load_config(str(CONFIG))
    paths = [
        out_dir / "sessions" / f"{session_stem(m, fuzz)}.sqlite" for m in config["module-path"]
    ]
    return [p for p in paths if p.exists()]
