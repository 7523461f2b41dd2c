"""Timing helpers, the report line format, the machine-readable results and the clean-up of
temporary directories.

Every ``line()`` printed is also recorded in ``RESULTS`` (name, value, unit, limit, verdict,
engine); ``write_results()`` writes them as JSON (``make bench`` puts them in
``bench-results/<timestamp>.json``), and ``scripts/bench_table.py`` turns one or more of those
files into the README's performance table. ``temp_dir()`` hands out temporary directories that
are removed when the run ends (``atexit``), also when a benchmark fails half-way.
"""

from __future__ import annotations

import atexit
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# One dict per printed figure, in the order printed.
RESULTS: list[dict[str, Any]] = []

# A number on its own, not the digits of a word such as "p95", "z11" or "0018".
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?")
_ENGINES = ("SQLite", "PostgreSQL")


def best_of(fn: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    """The best per-call time in seconds over ``repeat`` rounds of ``number`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def first_number(text: str) -> tuple[float | None, str]:
    """The first number in ``text`` and the word after it (its unit): "p95 12.5 ms" →
    (12.5, "ms"), "1,204 reports/s" → (1204.0, "reports/s"), "93/100 = 93%" → (93.0, "%");
    (None, "") without a number. Digits inside a word ("p95") are no number; when the text
    shows its arithmetic, the result after the last "=" counts."""
    return _parsed(text)[1:]


def _parsed(text: str) -> tuple[str, float | None, str]:
    """(the words before the number, the number, its unit) as ``first_number`` reads them."""
    part = text.rsplit("=", 1)[1] if "=" in text else text
    match = _NUMBER.search(part)
    if match is None:
        return "", None, ""
    value = float(match.group().replace(",", ""))
    rest = part[match.end() :].split()
    unit = rest[0].rstrip(";,)") if rest else ""
    prefix = "" if "=" in text else part[: match.start()].strip()
    return prefix, value, unit


def _engine(name: str) -> str | None:
    found = [engine for engine in _ENGINES if engine in name]
    return "/".join(found) if found else None


def line(
    name: str,
    ours: str,
    limit: str,
    verdict: str,
    *,
    value: float | None = None,
    unit: str | None = None,
    limit_value: float | None = None,
    limit_unit: str | None = None,
    engine: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Print one figure beside its limit and record it in ``RESULTS``. The value, unit, limit
    value and its unit and engine are read from the texts unless given (the words before the
    value, such as "p95", are kept as its ``prefix``); ``details`` (JSON-able) is recorded as
    it is."""
    print(f"{name:<44} {ours:>22}   limit {limit:<34} {verdict}")
    prefix, parsed_value, parsed_unit = _parsed(ours)
    _, parsed_limit, parsed_limit_unit = _parsed(limit)
    RESULTS.append(
        {
            "name": name,
            "prefix": prefix if value is None else "",
            "value": parsed_value if value is None else value,
            "unit": parsed_unit if unit is None else unit,
            "text": ours,
            "limit": limit,
            "limit_value": parsed_limit if limit_value is None else limit_value,
            "limit_unit": parsed_limit_unit if limit_unit is None else limit_unit,
            "verdict": verdict,
            "ok": verdict.lower().startswith("ok"),
            "engine": _engine(name) if engine is None else engine,
            **({"details": details} if details is not None else {}),
        }
    )


def _git_commit() -> str | None:
    try:
        return subprocess.run(  # noqa: S603
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


# The machine's speed at the start of the run (``machine_speed``), recorded with the results.
_SPEED: dict[str, float] = {}


def machine_speed() -> float:
    """Milliseconds for a fixed loop of plain Python (the best of five), measured once per run:
    absolute limits (the inbox's 50 ms) depend on the machine, and two runs' figures compare
    only on machines of about the same speed."""
    if "python_loop_ms" not in _SPEED:

        def loop() -> None:
            total = 0
            for i in range(1_000_000):
                total += i

        _SPEED["python_loop_ms"] = best_of(loop) * 1000
    return _SPEED["python_loop_ms"]


def results_document(started: datetime, only: list[str] | None = None) -> dict[str, Any]:
    """The run as one JSON-able document: when, where, which commit, and every figure."""
    return {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
            "python": platform.python_version(),
            "python_loop_ms": _SPEED.get("python_loop_ms"),
        },
        "only": only,
        "results": list(RESULTS),
    }


def write_results(
    started: datetime, directory: Path | None = None, only: list[str] | None = None
) -> Path:
    """Write ``RESULTS`` to ``<directory>/<timestamp>.json`` (``bench-results/`` by default)."""
    directory = directory or Path(os.environ.get("BENCH_RESULTS_DIR", ROOT / "bench-results"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(
        json.dumps(results_document(started, only), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return path


# --- temporary directories -----------------------------------------------------------------

_TEMP_DIRS: list[Path] = []


def temp_dir(prefix: str = "qm-bench-") -> Path:
    """A new temporary directory, removed by ``remove_temp_dirs()`` at the latest when the
    process ends."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    _TEMP_DIRS.append(path)
    return path


def remove_temp_dirs() -> None:
    """Remove every directory ``temp_dir()`` handed out (idempotent)."""
    while _TEMP_DIRS:
        shutil.rmtree(_TEMP_DIRS.pop(), ignore_errors=True)


atexit.register(remove_temp_dirs)
