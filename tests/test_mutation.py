"""make mutation's own parts: our two operators, the activation of a mutant in the copy, the
triage table and the score. The campaign itself runs only under `make mutation`."""

from __future__ import annotations

from pathlib import Path

import pytest
from cosmic_ray.mutating import mutate_code
from cosmic_ray.work_item import MutationSpec, WorkItem

from mutation import campaign, operators, report

APP = "conformance/reference/app.py"


@pytest.mark.parametrize(
    "operator", [operators.DropStatement, operators.ReplaceString], ids=lambda o: o.__name__
)
def test_operator_makes_the_changes_it_documents(operator: type[operators.Operator]) -> None:
    for example in operator.examples():
        mutated = mutate_code(example.pre_mutation_code, operator(), example.occurrence)
        assert (mutated or example.pre_mutation_code) == example.post_mutation_code


def test_error_messages_and_docstrings_are_not_mutated() -> None:
    source = 'def f():\n    """Doc."""\n    raise ApiError(400, "Some text.", code="bad")\n'
    first = mutate_code(source, operators.ReplaceString(), 0)
    assert first == source.replace('"bad"', '"XXbadXX"')
    assert mutate_code(source, operators.ReplaceString(), 1) is None


def _drop_statement(source: str, text: str) -> WorkItem:
    """The work item that drops the statement of `source` starting with `text`."""
    line = next(i for i, ln in enumerate(source.splitlines(), 1) if ln.strip().startswith(text))
    for occurrence in range(200):
        mutated = mutate_code(source, operators.DropStatement(), occurrence)
        assert mutated is not None, f"no statement {text!r}"
        if mutated.splitlines()[line - 1].strip() == "pass":
            spec = MutationSpec(APP, "ucc/DropStatement", occurrence, (line, 0), (line, 1))
            return WorkItem.single("job", spec)
    raise AssertionError("unreachable")


def test_the_embedded_server_serves_the_mutant_and_the_suite_names_the_requirement(
    tmp_path: Path,
) -> None:
    """A mutant is applied to a copy of the tree and the suite's run there talks to it: the
    update that is never stored is caught under the retrieve round trip."""
    campaign.register_operators()
    work = tmp_path / "work"
    campaign.lay_copy(work)
    config = campaign.load(campaign.Settings(out_dir=tmp_path))
    config["test-command"] = config["test-command"].replace(
        "conformance/cases", "conformance/cases/test_metadata.py"
    )
    item = _drop_statement((campaign.ROOT / APP).read_text(), "self.store.set_metadata(")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        for name, value in campaign.test_environment().items():
            patch.setenv(name, value)
        result = campaign.run_one(item, config, work)
    assert result.test_outcome.value == "killed", result.output
    assert '"UCC-META-ROUNDTRIP-RETRIEVE": "FAIL"' in (result.output or "")
    assert "-        self.store.set_metadata(" in (result.diff or "")
    assert (work / APP).read_text() == (campaign.ROOT / APP).read_text()  # restored


def test_triage_rows_are_read_and_the_score_leaves_out_the_equivalent(tmp_path: Path) -> None:
    triage = tmp_path / "mutants.md"
    triage.write_text(
        "| mutant | triage | why |\n|---|---|---|\n"
        "| `app-0123abcd` | equivalent | no client can tell |\n"
        "| app-4567cdef | out of scope | the page says nothing |\n"
        "| app-89abcdef | maybe | not a kind |\n"
    )
    assert report.read_triage(triage) == {
        "app-0123abcd": "equivalent",
        "app-4567cdef": "out of scope",
    }

    def mutant(status: str, triage: str | None = None) -> report.Mutant:
        return report.Mutant("x", "app.py", 1, "update", "core/X", status, triage=triage)

    counts = report._counts(
        [mutant("killed")] * 6
        + [mutant("timeout")] * 2
        + [mutant("survived", "equivalent"), mutant("survived", "out of scope"), mutant("survived")]
        + [mutant("skipped"), mutant("incompetent")]
    )
    assert counts["tested"] == 11
    assert counts["killed"] == 8 and counts["killed_by_timeout"] == 2
    assert counts["equivalent"] == 1 and counts["untriaged"] == 1
    assert counts["score"] == round(8 / 10, 4)
