"""CI job: the hostile corpus through the installed CLI, under a time and memory cap.

    python tests/corpus/run_hostile.py [path/to/iacjit]

Builds the corpus (tests/helpers/hostile_corpus.py) in a temporary directory, scans it as one plan
with ``iacjit scan <dir> --format json`` and checks: exit code 2 (inputs were unreadable),
output that is valid JSON, one zt_net_001 finding per case on its control file, no traceback.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))

from helpers import hostile_corpus as corpus  # noqa: E402

TIMEOUT = 600
MEMORY_CAP = 1536 * 1024 * 1024


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def main(argv: list[str]) -> int:
    iacjit = str(Path(argv[0]).resolve()) if argv else str(Path(sys.executable).with_name("iacjit"))
    with tempfile.TemporaryDirectory(prefix="iacjit-hostile-") as directory:
        root = Path(directory)
        corpus.build_all(root)
        try:
            child = subprocess.run([iacjit, "scan", ".", "--format", "json", "--no-config"],
                                   cwd=root, capture_output=True, timeout=TIMEOUT,
                                   preexec_fn=_cap)
        finally:
            corpus.make_removable(root)
    failures = []
    if child.returncode != 2:
        failures.append(f"exit code {child.returncode}, expected 2")
    if b"Traceback" in child.stderr:
        failures.append("traceback on stderr:\n" + child.stderr.decode(errors="replace")[-3000:])
    try:
        document = json.loads(child.stdout.decode("utf-8"))
    except ValueError as exc:
        failures.append(f"output is not valid JSON: {exc}")
        document = {"findings": [], "errors": []}
    controls = {Path(f["file"]).parent.name for f in document["findings"]
                if f["rule_id"] == "zt_net_001"
                and Path(f["file"]).name.startswith("control.")}
    missing = sorted({case.name for case in corpus.CASES} - controls)
    if missing:
        failures.append(f"control finding missing in: {', '.join(missing)}")
    print(f"hostile corpus: {len(corpus.CASES)} cases, {len(document['errors'])} errors, "
          f"{len(document['findings'])} findings, exit {child.returncode}")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
