"""Scan public IaC corpora one directory at a time and count what a user would meet.

Each top-most directory holding templates is scanned as its own plan (with what is below it,
as ``iacjit scan DIR`` does), without cache, and its JSON report is built.  Printed per
corpus: crashes (an exception out of the scan or the report), hangs (over the time limit),
error entries per format with their causes, and findings per rule.

    python benchmarks/realworld.py [--root /work/corpora] [--timeout 10] [--json out.json]

Corpora are looked up below ROOT under the names their git mirrors are extracted to
(``Azure+terraform``, ...); absent ones are skipped.  See docs/real-world.md.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# name -> (directory below ROOT, subdirectory holding the templates, what a .json file is,
#          and a file name when each such file is a plan of its own instead of each directory)
CORPORA = {
    "Azure/terraform quickstarts": ("Azure+terraform", "quickstart", "arm", None),
    "hashicorp/terraform-provider-azurerm examples": (
        "hashicorp+terraform-provider-azurerm", "examples", "arm", None),
    "aws-cloudformation/aws-cloudformation-templates": (
        "aws-cloudformation+aws-cloudformation-templates", ".", "cloudformation", None),
    "Azure/azure-quickstart-templates": ("Azure+azure-quickstart-templates", ".", "arm", None),
    "Azure/AzureStack-QuickStart-Templates": (
        "Azure+AzureStack-QuickStart-Templates", ".", "arm", None),
    # the ARM JSON that Bicep compiled (languageVersion 2.0, null for omitted module inputs)
    "Azure/bicep-registry-modules, compiled main.json": (
        "bicep-registry-modules", "avm", "arm", "main.json"),
}
TEMPLATE_SUFFIXES = {".tf", ".json", ".yaml", ".yml", ".template", ".bicep"}
SKIPPED_PARTS = {".git", ".github", "node_modules", ".terraform", "scripts", "test", "tests"}


@dataclass
class CorpusResult:
    name: str
    directories: int = 0
    crashes: list[tuple[str, str]] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    with_errors: int = 0
    errors: Counter = field(default_factory=Counter)  # (format, cause) -> count
    error_files: dict[tuple[str, str], str] = field(default_factory=dict)  # an example each
    findings: Counter = field(default_factory=Counter)
    unresolved: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def template_directories(base: Path) -> list[Path]:
    """The top-most directories that hold a template file, outside tooling folders."""
    found = set()
    for path in base.rglob("*"):
        if path.suffix.lower() in TEMPLATE_SUFFIXES and path.is_file() and not (
                SKIPPED_PARTS & set(path.relative_to(base).parts)):
            found.add(path.parent)
    return sorted(d for d in found if not any(parent in found for parent in d.parents))


def file_format(name: str, json_format: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in {".tf", ".tfvars"}:
        return "terraform"
    if suffix == ".bicep":
        return "bicep"
    if suffix in {".yaml", ".yml", ".template"}:
        return "cloudformation"
    return json_format


def cause(message: str) -> str:
    """The kind of an error message: names, quoted text and numbers blanked out."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", message)
    text = re.sub(r"\d+", "N", text)
    return text[:110]


class _Hang(BaseException):
    """Not an Exception: the scanner's own catch-alls must not swallow it."""


def _alarm(signum: int, frame: object) -> None:
    raise _Hang


def scan_directory(directory: Path, timeout: float) -> tuple[str, dict | str, float]:
    """('ok', report) | ('crash', detail) | ('hang', '') with the seconds it took.

    *directory* may also be a single file, scanned as a plan of its own."""
    from iacjit.gate import Gate
    from iacjit.reports.serialize import to_document
    from iacjit.scan import run_scan

    start = time.perf_counter()
    # A hang is *timeout* seconds of this process's CPU (the machine may be shared: wall time
    # would count the others' load), or six times that of wall time (a stuck pool worker).
    previous = signal.signal(signal.SIGPROF, _alarm), signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_PROF, timeout)
    signal.setitimer(signal.ITIMER_REAL, 6 * timeout)
    try:
        result = run_scan([directory])
        report = json.loads(json.dumps(to_document(result, Gate("none").exit_code(result))))
    except _Hang:
        return "hang", "", time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001 - a crash is what this counts
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return "crash", f"{type(exc).__name__}: {exc} at {frame.filename}:{frame.lineno}", \
            time.perf_counter() - start
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGPROF, previous[0])
        signal.signal(signal.SIGALRM, previous[1])
    return "ok", report, time.perf_counter() - start


def scan_corpus(name: str, base: Path, json_format: str, file_name: str | None,
                timeout: float) -> CorpusResult:
    result = CorpusResult(name)
    units = sorted(base.rglob(file_name)) if file_name else template_directories(base)
    for directory in units:
        result.directories += 1
        shown = directory.relative_to(base).as_posix()
        if file_name:
            shown = shown.removesuffix("/" + file_name)
        outcome, report, took = scan_directory(directory, timeout)
        result.seconds += took
        if outcome == "hang":
            result.hangs.append(shown)
            continue
        if outcome == "crash":
            result.crashes.append((shown, str(report)))
            continue
        assert isinstance(report, dict)
        if report["errors"]:
            result.with_errors += 1
        for error in report["errors"]:
            key = (file_format(error["file"], json_format), cause(error["message"]))
            result.errors[key] += 1
            result.error_files.setdefault(key, f"{shown}/{Path(error['file']).name}")
        result.findings.update(f["rule_id"] for f in report["findings"])
        result.findings.update(c["chain_id"] for c in report["chains"])
        result.unresolved.update(u["rule_id"] for u in report["unresolved"])
    return result


def print_result(result: CorpusResult) -> None:
    print(f"== {result.name}: {result.directories} directories in {result.seconds:.0f} s; "
          f"{len(result.crashes)} crash(es), {len(result.hangs)} hang(s), "
          f"{result.with_errors} with error entries")
    for shown, detail in result.crashes:
        print(f"  CRASH {shown}: {detail}")
    for shown in result.hangs:
        print(f"  HANG  {shown}")
    for (fmt, text), count in result.errors.most_common():
        print(f"  error {fmt:<14} {count:>4}  {text}  (e.g. {result.error_files[(fmt, text)]})")
    print("  findings: " + (", ".join(f"{k} {v}" for k, v in sorted(result.findings.items()))
                            or "none"))
    print("  unresolved: " + (", ".join(f"{k} {v}" for k, v in
                                        sorted(result.unresolved.items())) or "none"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/work/corpora"))
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="CPU seconds per directory before it counts as a hang")
    parser.add_argument("--only", help="scan only corpora whose name contains this")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    results = []
    for name, (folder, below, json_format, file_name) in CORPORA.items():
        base = args.root / folder / below
        if (args.only and args.only.lower() not in name.lower()) or not base.is_dir():
            continue
        result = scan_corpus(name, base, json_format, file_name, args.timeout)
        print_result(result)
        results.append(result)
    if not results:
        print(f"no corpus found below {args.root} (see docs/real-world.md)")
        return 2
    if args.json:
        args.json.write_text(json.dumps([{
            "name": r.name, "directories": r.directories, "crashes": r.crashes,
            "hangs": r.hangs, "with_errors": r.with_errors,
            "errors": [[f, t, n, r.error_files[(f, t)]] for (f, t), n in r.errors.most_common()],
            "findings": dict(r.findings), "unresolved": dict(r.unresolved),
            "seconds": round(r.seconds, 1)} for r in results], indent=1))
    return 1 if any(r.crashes or r.hangs for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
