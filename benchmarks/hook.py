"""The pre-commit hook on the 1000-file corpus: one changed file, nothing changed, and the scans
around it (a script, not a test).

    python benchmarks/hook.py --iacjit /tmp/iacjit-venv/bin/iacjit --runs 5

Generates the ``roots`` corpus (benchmarks/gen_corpus.py) and runs, in each round, from the
corpus root as pre-commit does (the corpus is the repository):

* ``cold``: ``iacjit scan .`` with an empty cache;
* ``hook, nothing changed``: ``iacjit hook FILE`` again after a hook run on the same tree;
* ``hook, one changed file``: ``iacjit hook FILE`` after appending a comment to FILE;
* ``scan . after one edit``: ``iacjit scan .`` after another edit of FILE (no hook in between).

Each command runs under ``/usr/bin/time`` (wall, and CPU as user+sys including the pool's
workers).  The machine may be shared, so the table gives the median of the rounds with the
lowest and highest value, and the 1-minute load average before and after; on a busy machine
CPU time is the steadier figure.  Raw numbers go to WORKDIR/hook-results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_corpus import generate  # noqa: E402
from run import timed  # noqa: E402

SCENARIOS = ("cold", "hook, nothing changed", "hook, one changed file", "scan . after one edit")


def rounds(iacjit: list[str], corpus: Path, cache: Path, runs: int) -> dict[str, list[dict]]:
    """Every scenario *runs* times, in the order of SCENARIOS within each round."""
    env = {**os.environ, "IACJIT_CACHE_DIR": str(cache)}
    changed = sorted(corpus.glob("root-*/nsg.tf"))[0]
    relative = str(changed.relative_to(corpus))
    scan = [*iacjit, "scan", ".", "--format", "json", "-o", str(corpus.parent / "scan.json")]
    hook = [*iacjit, "hook", relative, "--format", "json", "-o",
            str(corpus.parent / "hook.json")]
    samples: dict[str, list[dict]] = {name: [] for name in SCENARIOS}
    for round_ in range(runs):
        shutil.rmtree(cache, ignore_errors=True)
        samples["cold"].append(timed(scan, env, corpus))
        timed(hook, env, corpus)  # the hook has seen this tree
        samples["hook, nothing changed"].append(timed(hook, env, corpus))
        changed.write_text(changed.read_text() + f"\n# hook edit {round_}\n")
        samples["hook, one changed file"].append(timed(hook, env, corpus))
        changed.write_text(changed.read_text() + f"\n# scan edit {round_}\n")
        samples["scan . after one edit"].append(timed(scan, env, corpus))
    return samples


def table(samples: dict[str, list[dict]], load: tuple[float, float]) -> str:
    out = ["| scenario | wall s (median) | wall min-max | CPU s (median) | CPU min-max |",
           "|---|---|---|---|---|"]
    for name in SCENARIOS:
        walls = [s["wall"] for s in samples[name]]
        cpus = [s["cpu"] for s in samples[name]]
        out.append(f"| {name} | {statistics.median(walls):.2f} | {min(walls):.2f}-"
                   f"{max(walls):.2f} | {statistics.median(cpus):.2f} | {min(cpus):.2f}-"
                   f"{max(cpus):.2f} |")
    out.append(f"\n{len(samples['cold'])} rounds; 1-minute load average {load[0]:.1f} before, "
               f"{load[1]:.1f} after, on {os.cpu_count()} cores.")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="files in the corpus")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/iacjit-hook-bench"))
    parser.add_argument("--iacjit", default=str(Path(sys.executable).parent / "iacjit"),
                        help="iacjit command (default: the one beside this interpreter)")
    args = parser.parse_args()
    corpus = args.workdir / f"corpus-roots-{args.size}"
    shutil.rmtree(corpus, ignore_errors=True)
    generate(corpus, args.size, False)
    before = os.getloadavg()[0]
    samples = rounds(args.iacjit.split(), corpus, args.workdir / "cache", args.runs)
    load = (before, os.getloadavg()[0])
    (args.workdir / "hook-results.json").write_text(json.dumps(
        {"samples": samples, "load": load, "cores": os.cpu_count()}, indent=2))
    print(table(samples, load))


if __name__ == "__main__":
    main()
