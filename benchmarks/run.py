"""Benchmark ``iacjit scan`` against checkov on generated corpora (a script, not a test).

    python benchmarks/run.py --sizes 100 1000 5000 --runs 3 --checkov-sizes 100 1000 \
        --shapes roots platform --workdir /tmp/iacjit-bench

For each corpus shape and size N: generate the corpus (``roots``: benchmarks/gen_corpus.py,
short roots with many repeated files; ``platform``: benchmarks/gen_platform.py, distinct long
files with locals tables, ``for`` expressions and modules), then, alternating, run
checkov (its four equivalent checks) and iacjit cold (empty cache), warm (nothing changed)
and with ``--no-cache``.  Each command runs under ``/usr/bin/time`` for wall time, CPU time
(user+sys, which includes the pool's workers) and peak RSS.  The best wall time of the runs is
reported (the machine may be shared), with the CPU time of that run.  Also measured: the
pre-commit hook with one changed file in the 1000-file corpus, ``iacjit --version`` and
``iacjit rules``.  A Markdown table goes to stdout and the raw numbers to WORKDIR/results.json:
per shape, the checkov ratio (median of the paired runs) and lines per second per core (lines
divided by the CPU seconds of the best ``--no-cache`` run, so the figure does not depend on how
many cores the machine has).  Also ``--corpus DIR`` for any existing directory (a real
repository's examples, say), measured the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_corpus import generate  # noqa: E402
from gen_platform import generate as generate_platform  # noqa: E402

CHECKOV_CHECKS = "CKV_AZURE_9,CKV_AZURE_10,CKV_AWS_24,CKV_AWS_25"


def timed(command: list[str], env: dict[str, str], cwd: Path) -> dict[str, float]:
    """Wall, CPU and peak RSS of one command (GNU time), and its exit code."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%U %S %M", *command],
                              env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - start
        user, system, rss = report.read().split()[-3:]
    return {"wall": wall, "cpu": float(user) + float(system), "rss_mb": int(rss) / 1024,
            "rc": done.returncode}


SHAPES = {"roots": lambda out, size, mix: generate(out, size, mix),
          "platform": lambda out, size, mix: generate_platform(out, size)}
SCANNED = (".tf", ".tfvars", ".json", ".yaml", ".yml", ".template", ".bicep")


def generate_shape(shape: str, out: Path, size: int, mix: bool) -> None:
    SHAPES[shape](out, size, mix)


def count(corpus: Path) -> tuple[int, int]:
    """Files a scan reads and their lines."""
    files = lines = 0
    for path in corpus.rglob("*"):
        if path.suffix in SCANNED and path.is_file() and ".terraform" not in path.parts:
            files += 1
            lines += path.read_bytes().count(b"\n")
    return files, lines


def measure(corpus: Path, iacjit: list[str], args: argparse.Namespace, env: dict[str, str],
            with_checkov: bool) -> dict[str, list]:
    """Runs of checkov, then iacjit cold, warm and --no-cache, alternating, in *corpus*."""
    row: dict[str, list] = {"iacjit_cold": [], "iacjit_warm": [], "iacjit_nocache": [],
                            "checkov": []}
    cache_dir = Path(env["IACJIT_CACHE_DIR"])
    scan = [*iacjit, "scan", str(corpus), "--format", "json", "-o",
            str(args.workdir / "iacjit.json")]
    for _ in range(args.runs):
        if with_checkov:
            row["checkov"].append(timed(
                [args.checkov, "-d", str(corpus), "--check", CHECKOV_CHECKS,
                 "--skip-download", "--framework", "terraform,arm,cloudformation",
                 "-o", "json", "--quiet"], env, args.workdir))
        shutil.rmtree(cache_dir, ignore_errors=True)
        row["iacjit_cold"].append(timed(scan, env, args.workdir))
        row["iacjit_warm"].append(timed(scan, env, args.workdir))
        row["iacjit_nocache"].append(timed([*scan, "--no-cache"], env, args.workdir))
    return row


def best(samples: list[dict[str, float]]) -> dict[str, float]:
    return min(samples, key=lambda s: s["wall"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--checkov-sizes", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mix", action="store_true", help="ARM/CloudFormation in the corpus")
    parser.add_argument("--shapes", nargs="+", default=["roots", "platform"],
                        choices=sorted(SHAPES), help="generated corpus shapes")
    parser.add_argument("--corpus", type=Path, action="append", default=[],
                        help="also measure this existing directory (repeatable)")
    parser.add_argument("--no-extras", action="store_true",
                        help="skip the hook and start-up measurements")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/iacjit-bench"))
    parser.add_argument("--iacjit", default=str(Path(sys.executable).parent / "iacjit"),
                        help="iacjit command (default: the one beside this interpreter)")
    parser.add_argument("--checkov", default=str(HERE.parent / ".ci-venvs/checkov/bin/checkov"))
    args = parser.parse_args()

    args.workdir.mkdir(parents=True, exist_ok=True)
    iacjit = args.iacjit.split()
    env = dict(os.environ)
    env["IACJIT_CACHE_DIR"] = str(args.workdir / "cache")
    results: dict = {"rows": [], "machine": {"cores": os.cpu_count(),
                                             "load_before": os.getloadavg()}}
    corpora: list[tuple[str, Path, bool]] = []
    for shape in args.shapes:
        for size in args.sizes:
            corpus = args.workdir / f"corpus-{shape}-{size}"
            generate_shape(shape, corpus, size, args.mix)
            corpora.append((shape, corpus, size in args.checkov_sizes))
    corpora += [(str(path), path.resolve(), True) for path in args.corpus]
    for shape, corpus, with_checkov in corpora:
        files, lines = count(corpus)
        load_before = os.getloadavg()[0]
        row = {"shape": shape, "files": files, "lines": lines,
               **measure(corpus, iacjit, args, env, with_checkov),
               "load": [load_before, os.getloadavg()[0]]}
        results["rows"].append(row)
        print(f"{shape} {files}: done", file=sys.stderr)

    if 1000 in args.sizes and "roots" in args.shapes and not args.no_extras:
        # the hook: one changed file of 1000. pre-commit runs it at the repository root, and
        # it scans the repository as `iacjit scan .` does: the corpus is the repository, its
        # cache warm from one run.
        corpus = args.workdir / "corpus-roots-1000"
        changed = sorted(corpus.glob("root-*/nsg.tf"))[0]
        relative = str(changed.relative_to(corpus))
        timed([*iacjit, "hook", relative], env, corpus)
        hook = []
        for i in range(args.runs):
            changed.write_text(changed.read_text() + f"\n# edit {i}\n")
            hook.append(timed([*iacjit, "hook", relative], env, corpus))
        results["hook_one_file_of_1000"] = hook
    startup = {}
    for name, command in () if args.no_extras else (("version", ["--version"]),
                                                    ("rules", ["rules"])):
        walls = [timed([*iacjit, *command], env, args.workdir)["wall"] for _ in range(10)]
        startup[name] = {"min": min(walls), "median": statistics.median(walls)}
    results["startup"] = startup
    (args.workdir / "results.json").write_text(json.dumps(results, indent=2))
    print(table(results))


def _paired(slow: list[dict], fast: list[dict]) -> str:
    """Median of slow/fast wall-time ratios of runs made back to back: on a shared machine a
    ratio within one round is steadier than a ratio of two best times."""
    ratios = [s["wall"] / f["wall"] for s, f in zip(slow, fast, strict=False)]
    if not ratios:
        return "-"
    return f"{statistics.median(ratios):.1f}x (runs: {', '.join(f'{r:.1f}' for r in ratios)})"


def table(results: dict) -> str:
    out = ["| corpus | files | lines | tool | run | wall s (best) | CPU s | files/s | peak RSS MB "
           "| iacjit/checkov wall |", "|---|---|---|---|---|---|---|---|---|---|"]
    for row in results["rows"]:
        checkov = best(row["checkov"]) if row["checkov"] else None
        for label, key in (("checkov", "checkov"), ("iacjit", "iacjit_cold"),
                           ("iacjit", "iacjit_warm"), ("iacjit", "iacjit_nocache")):
            if not row[key]:
                continue
            b = best(row[key])
            ratio = (f"{b['wall'] / checkov['wall']:.3f} ({checkov['wall'] / b['wall']:.1f}x "
                     "faster)" if checkov and key != "checkov" else "")
            run = {"checkov": "", "iacjit_cold": "cold", "iacjit_warm": "warm",
                   "iacjit_nocache": "--no-cache"}[key]
            out.append(f"| {row['shape']} | {row['files']} | {row['lines']} | {label} | {run} "
                       f"| {b['wall']:.2f} | {b['cpu']:.2f} | {row['files'] / b['wall']:.0f} | "
                       f"{b['rss_mb']:.0f} | {ratio} |")
    out.append("\n| corpus | files | checkov / cold (median of paired runs) | checkov / "
               "--no-cache (paired) | cold / warm (paired) | lines/s per core (--no-cache) |"
               "\n|---|---|---|---|---|---|")
    for row in results["rows"]:
        per_core = row["lines"] / best(row["iacjit_nocache"])["cpu"]
        out.append(f"| {row['shape']} | {row['files']} | "
                   f"{_paired(row['checkov'], row['iacjit_cold'])} | "
                   f"{_paired(row['checkov'], row['iacjit_nocache'])} | "
                   f"{_paired(row['iacjit_cold'], row['iacjit_warm'])} | {per_core:.0f} |")
    busy = [row for row in results["rows"] if max(row["load"]) > 1.5]
    if busy:  # other work on the machine stretches wall times; paired ratios suffer less
        out.append("\nThe machine was busy: 1-minute load average "
                   + ", ".join(f"{row['shape']} {row['files']}: {row['load'][0]:.1f} before, "
                               f"{row['load'][1]:.1f} after" for row in busy)
                   + f" (on {results['machine']['cores']} cores).")
    if "hook_one_file_of_1000" in results:
        h = best(results["hook_one_file_of_1000"])
        out.append(f"\nhook, one changed file of 1000: best {h['wall']:.2f} s wall, "
                   f"{h['cpu']:.2f} s CPU")
    for name, s in results["startup"].items():
        out.append(f"\n`iacjit {name}`: min {s['min'] * 1000:.0f} ms, median "
                   f"{s['median'] * 1000:.0f} ms")
    return "\n".join(out)


if __name__ == "__main__":
    main()
