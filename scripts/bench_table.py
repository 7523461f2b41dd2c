"""The README's performance table from the JSON results of ``make bench``.

    python scripts/bench_table.py bench-results/*.json            # print the table
    python scripts/bench_table.py --readme README.md bench-results/A.json bench-results/B.json …

One file: each figure as measured, its limit and verdict. Several (e.g. three runs): per figure
the minimum and median of the measured values and of the limits, and how many runs met the
limit. Figures missing from a run (a partial run, ``BENCH_ONLY``) count the runs they are in.
``--readme`` replaces the table between ``<!-- bench-table -->`` and ``<!-- /bench-table -->``
in that file instead of printing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

START, END = "<!-- bench-table -->", "<!-- /bench-table -->"


def load_runs(paths: list[Path]) -> list[dict[str, Any]]:
    runs = []
    for path in paths:
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or not isinstance(document.get("results"), list):
            raise SystemExit(f"{path}: not a result file of make bench (no 'results' list)")
        if document["results"]:
            runs.append(document)
        else:
            print(f"{path}: no figures (a run stopped early?), left out", file=sys.stderr)
    if not runs:
        raise SystemExit("no figures in the files given")
    return runs


def _number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table(runs: list[dict[str, Any]]) -> str:
    """A Markdown table of the figures in ``runs``, in the order they were first printed."""
    order: list[str] = []
    by_name: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        for result in run["results"]:
            name = result["name"]
            if name not in by_name:
                order.append(name)
                by_name[name] = []
            by_name[name].append(result)
    if len(runs) == 1:
        lines = ["| figure | measured | limit (same run) | verdict |", "|---|---|---|---|"]
        for name in order:
            result = by_name[name][0]
            lines.append(
                f"| {_cell(name)} | {_cell(result['text'])} | {_cell(result['limit'])} "
                f"| {_cell(result['verdict'])} |"
            )
        return "\n".join(lines)
    lines = [
        f"| figure | measured, min / median of {len(runs)} runs | "
        "limit (same runs), min / median | limit met |",
        "|---|---|---|---|",
    ]
    for name in order:
        results = by_name[name]
        values = [r["value"] for r in results if r.get("value") is not None]
        limits = [r["limit_value"] for r in results if r.get("limit_value") is not None]
        unit = next((r["unit"] for r in results if r.get("unit")), "")
        measured = (
            f"{_number(min(values))} / {_number(statistics.median(values))} {unit}".rstrip()
            if values
            else "–"
        )
        limit = f"{_number(min(limits))} / {_number(statistics.median(limits))}" if limits else "–"
        met = sum(1 for r in results if r.get("ok"))
        lines.append(f"| {_cell(name)} | {measured} | {limit} | {met} of {len(results)} |")
    return "\n".join(lines)


def replace_in(readme: Path, new_table: str) -> None:
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{readme}: no {START} … {END} markers around the table")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    readme.write_text(f"{before}{START}\n{new_table}\n{END}{after}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path, help="JSON files of make bench")
    parser.add_argument("--readme", type=Path, help="replace the table in this file")
    args = parser.parse_args(argv)
    rendered = table(load_runs(args.results))
    if args.readme:
        replace_in(args.readme, rendered)
        print(f"{args.readme}: table from {len(args.results)} run(s)")
    else:
        print(rendered)
    return 0


if __name__ == "__main__":
    sys.exit(main())
