"""The README's performance table from the JSON results of ``make bench``.

    python scripts/bench_table.py bench-results/*.json            # print the table
    python scripts/bench_table.py --readme README.md bench-results/A.json bench-results/B.json …

One file: each figure as measured, its limit and verdict. Several (e.g. three runs): per figure
the minimum and median of the measured values and of the limits, and how many runs met the
limit. A figure missing from some runs (a partial run, ``BENCH_ONLY``) is summarised over the
runs it is in, and its last column says in how many of the runs given it is ("2 of 2, in 2 of 3
runs"). Each figure keeps the words before its value ("p95 0.5 / 0.6 ms") and the unit of its
limit ("50 / 50 ms"); files of older runs, which recorded the "95" of "p95" as the value, are
read again from their texts.
``--readme`` replaces the table between ``<!-- bench-table -->`` and ``<!-- /bench-table -->``
in that file instead of printing.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import _parsed  # noqa: E402 (after the path)

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


_OLD_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")


def _old_reading(text: str) -> float | None:
    """The number older runs read from a text: the first digits, also those of "p95"."""
    part = text.rsplit("=", 1)[1] if "=" in text else text
    match = _OLD_NUMBER.search(part)
    return float(match.group().replace(",", "")) if match else None


def _figure(result: dict[str, Any]) -> dict[str, Any]:
    """The result with prefix, value, unit, limit value and limit unit. A result of an older
    run (no ``prefix`` recorded) is read again from its texts where its numbers were read
    from them; numbers the benchmark gave of its own are kept."""
    if "prefix" in result:
        return result
    mended = dict(result, prefix="", limit_unit="")
    text, limit = str(result.get("text", "")), str(result.get("limit", ""))
    if result.get("value") is not None and result["value"] == _old_reading(text):
        prefix, value, unit = _parsed(text)
        mended.update(prefix=prefix, value=value, unit=unit)
    if result.get("limit_value") is not None and result["limit_value"] == _old_reading(limit):
        _, limit_value, limit_unit = _parsed(limit)
        mended.update(limit_value=limit_value, limit_unit=limit_unit)
    return mended


def _range(values: list[float], unit: str, prefix: str = "") -> str:
    if not values:
        return "–"
    text = f"{prefix} {_number(min(values))} / {_number(statistics.median(values))} {unit}"
    return text.strip()


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
        results = [_figure(r) for r in by_name[name]]
        values = [r["value"] for r in results if r.get("value") is not None]
        limits = [r["limit_value"] for r in results if r.get("limit_value") is not None]
        unit = next((r["unit"] for r in results if r.get("unit")), "")
        prefix = next((r["prefix"] for r in results if r.get("prefix")), "")
        limit_unit = next((r["limit_unit"] for r in results if r.get("limit_unit")), "")
        measured = _range(values, unit, prefix)
        limit = _range(limits, limit_unit)
        met = sum(1 for r in results if r.get("ok"))
        present = f"{met} of {len(results)}"
        if len(results) < len(runs):
            present += f", in {len(results)} of {len(runs)} runs"
        lines.append(f"| {_cell(name)} | {_cell(measured)} | {_cell(limit)} | {present} |")
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
