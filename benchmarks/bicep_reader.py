"""Benchmark the Bicep reader on real Bicep (a script, not a test).

    python benchmarks/bicep_reader.py --corpus /work/corpora/bicep-registry-modules --repeat 3

Reads every ``.bicep`` and ``.bicepparam`` file below the corpus (a local copy of
Azure/bicep-registry-modules, kept outside this repository) with iacjit's Bicep parser and
reports: the share of files read without a syntax error (the others named with the first
error), lines per second on one core, and the slowest file.  Times are CPU time of this
process (``time.process_time``), the best of ``--repeat`` runs per file, so a busy shared
machine disturbs them less than wall time would.  With ``--evaluate`` each ``.bicep`` file is
also evaluated as a scan would (``iacjit.parsers.bicep.parse_file``, modules followed) and the
evaluation errors are counted.  A Markdown summary goes to stdout, details to ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from iacjit.parsers.bicep.parser import parse_file  # noqa: E402
from iacjit.parsers.bicep.syntax import parse_template  # noqa: E402
from iacjit.parsers.common.options import ParseOptions  # noqa: E402


def read(path: Path) -> str:
    text = path.read_text(encoding="utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def measure(files: list[Path], root: Path, repeat: int) -> dict:
    total_lines = 0
    total_seconds = 0.0
    failures = []
    slowest = (0.0, "", 0)
    for path in files:
        text = read(path)
        lines = text.count("\n") + (not text.endswith("\n"))
        best = float("inf")
        errors: list = []
        for _ in range(repeat):
            start = time.process_time()
            _, errors = parse_template(text, 200, path.suffix == ".bicepparam")
            best = min(best, time.process_time() - start)
        total_lines += lines
        total_seconds += best
        name = path.relative_to(root).as_posix()
        if best > slowest[0]:
            slowest = (best, name, lines)
        if errors:
            first = errors[0]
            failures.append(f"{name}:{first.line}:{first.column}: {first}")
    return {
        "files": len(files),
        "read": len(files) - len(failures),
        "failures": failures,
        "lines": total_lines,
        "seconds": total_seconds,
        "lines_per_second": total_lines / total_seconds if total_seconds else 0.0,
        "slowest": {"file": slowest[1], "seconds": slowest[0], "lines": slowest[2]},
    }


def evaluate(files: list[Path], root: Path) -> dict:
    errors: list[str] = []
    resources = 0
    start = time.process_time()
    for path in files:
        if path.suffix != ".bicep":
            continue
        result = parse_file(path, path.relative_to(root).as_posix(), ParseOptions())
        resources += len(result.resources)
        errors.extend(f"{e.file}:{e.line}: {e.message}" for e in result.errors)
    return {"resources": resources, "errors": errors, "seconds": time.process_time() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/work/corpora/bicep-registry-modules"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--evaluate", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    root = args.corpus.resolve()
    files = sorted(root.rglob("*.bicep")) + sorted(root.rglob("*.bicepparam"))
    if not files:
        sys.exit(f"no .bicep files under {root}")
    result = measure(files, root, args.repeat)
    if args.evaluate:
        result["evaluation"] = evaluate(files, root)
    share = 100 * result["read"] / result["files"]
    slow = result["slowest"]
    print("| files | read without error | lines | lines/s (one core) | slowest file |")
    print("|---|---|---|---|---|")
    print(f"| {result['files']} | {result['read']} ({share:.2f}%) | {result['lines']} | "
          f"{result['lines_per_second']:,.0f} | {slow['file']} ({slow['lines']} lines, "
          f"{slow['seconds'] * 1000:.0f} ms) |")
    for failure in result["failures"]:
        print(f"- not read: {failure}")
    if args.evaluate:
        ev = result["evaluation"]
        print(f"\nevaluated: {ev['resources']} resources in {ev['seconds']:.1f} s CPU, "
              f"{len(ev['errors'])} errors")
        for error in ev["errors"]:
            print(f"- {error}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
