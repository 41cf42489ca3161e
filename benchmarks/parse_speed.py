"""Lines per second of the HCL parse alone, engine against lark, on any directories.

    python benchmarks/parse_speed.py DIR [DIR ...] [--rounds 5]

For every ``.tf`` file below the directories, in one process with the garbage collector off
(as ``iacjit scan`` runs): python-hcl2's stock parser (lark with position propagation) and
lark with iacjit's position-free tables, each to a lark tree alone and then to iacjit's AST
(the tree converter, ``hcl.body``), against iacjit's parse loop
(``iacjit.parsers.terraform.engine``), which builds the AST in the reductions.  The variants
alternate within each round and CPU time (not wall time) is taken, so other work on the
machine disturbs the ratios less; the best round of each is shown, with the median of the
per-round ratios against the engine.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from hcl2.parser import parser as stock_parser

from iacjit.parsers.terraform import hcl


def _texts(directories: list[Path]) -> list[str]:
    texts = []
    for directory in directories:
        for path in sorted(directory.rglob("*.tf")):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if text.strip():
                texts.append((text if text.endswith("\n") else text + "\n") + "\n")
    return texts


def _variants() -> dict[str, Callable[[str], object]]:
    engine, lark = hcl.engine(), hcl.tree_parser()
    assert engine is not None
    stock = stock_parser()

    def valid(parse: Callable[[str], object]) -> Callable[[str], object]:
        def run(text: str) -> object:
            try:
                return parse(text)
            except Exception:  # noqa: BLE001 - a file lark refuses costs the same everywhere
                return None
        return run

    return {
        "stock tree": valid(stock.parse),
        "lark tree": valid(lark.parse),
        "stock + AST": valid(lambda t: hcl.body(stock.parse(t).children[0])),
        "lark + AST": valid(lambda t: hcl.body(lark.parse(t).children[0])),
        "engine, AST": valid(engine.parse),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directories", type=Path, nargs="+")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = _texts(args.directories)
    lines = sum(t.count("\n") for t in texts)
    variants = _variants()
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    gc.disable()
    for _ in range(args.rounds):
        for name, parse in variants.items():
            start = time.process_time()
            for text in texts:
                parse(text)
            seconds[name].append(time.process_time() - start)
    print(f"{len(texts)} files, {lines} lines; CPU seconds, best of {args.rounds} rounds\n")
    print("| variant | best s | lines/s | engine faster by (median of rounds) |")
    print("|---|---|---|---|")
    for name, runs in seconds.items():
        ratio = statistics.median(a / b for a, b in zip(runs, seconds["engine, AST"],
                                                         strict=True))
        print(f"| {name} | {min(runs):.2f} | {lines / min(runs):.0f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
