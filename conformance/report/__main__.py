"""`python -m conformance.report matrix FILES -o reports/matrix.html [--format md]`,
`python -m conformance.report verify FILES`, and for a CI job `summary FILE` (one run's
verdicts in Markdown) and `headline FILE`: the report tools, which need no server.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.report import job_summary, matrix
from conformance.report.schema import FORMAT, ReportError, digest_ok, load_document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.report")
    commands = parser.add_subparsers(dest="command", required=True)
    side = commands.add_parser("matrix", help="render runs side by side (HTML or Markdown)")
    side.add_argument("files", nargs="+", type=Path, help="compliance.json files, one per run")
    side.add_argument("-o", "--output", type=Path, help="the file to write (default: stdout)")
    side.add_argument("--format", choices=("html", "md"), default=None, help="default: by -o")
    side.add_argument("--title", default=matrix.TITLE)
    check = commands.add_parser("verify", help=f"check {FORMAT} files: schema and digest")
    check.add_argument("files", nargs="+", type=Path)
    one = commands.add_parser("summary", help="one run's verdicts in Markdown (a job summary)")
    one.add_argument("file", type=Path, help="the run's compliance.json")
    one.add_argument("--title", default=job_summary.TITLE)
    line = commands.add_parser("headline", help="one run's headline, on one line")
    line.add_argument("file", type=Path, help="the run's compliance.json")
    args = parser.parse_args(argv)
    if args.command == "verify":
        return _verify(args.files)
    if args.command in ("summary", "headline"):
        return _one(args)
    fmt = args.format or ("md" if args.output and args.output.suffix == ".md" else "html")
    out_dir = args.output.parent if args.output else Path.cwd()
    try:
        cols = matrix.columns(args.files, out_dir)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for column in cols:
        if not column.digest_ok:
            print(f"warning: {column.path}: the digest does not match", file=sys.stderr)
    text = (matrix.render_md if fmt == "md" else matrix.render_html)(cols, args.title)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output} ({len(cols)} run(s))", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _one(args: argparse.Namespace) -> int:
    try:
        doc = load_document(args.file, check_digest=False)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not digest_ok(doc):
        print(f"warning: {args.file}: the digest does not match", file=sys.stderr)
    if args.command == "headline":
        print(" ".join(str(doc["headline"]).split()))
    else:
        sys.stdout.write(job_summary.render(doc, args.title))
    return 0


def _verify(files: list[Path]) -> int:
    bad = 0
    for path in files:
        try:
            doc = load_document(path, check_digest=False)
        except ReportError as exc:
            print(f"INVALID {exc}")
            bad += 1
            continue
        if not digest_ok(doc):
            print(f"TAMPERED {path}: the digest does not match the content")
            bad += 1
        else:
            print(f"OK {path}: {doc['headline']} (digest {doc['digest']['value'][:16]}…)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
