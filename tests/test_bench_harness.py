"""The benchmark harness counts right: the load generator's requests, errors and percentiles
(against the bare app on SQLite, served in-process), the verdicts, the JSON result, the
README table made from it, and temporary directories removed. No timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from benchmarks import bare_app, common, load
from benchmarks.load import Plan, Sample, Tally, percentile

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def results():
    common.RESULTS.clear()
    yield common.RESULTS
    common.RESULTS.clear()


@pytest.fixture(scope="module")
def bare_server():
    """The bare app on a migrated SQLite database with a few reports, an API key and a
    caseworker; served by a threaded local server that counts the answers it sent by status."""
    from app.auth.models import Role
    from app.auth.services import create_user
    from app.extensions import db
    from app.open311.keys import create_api_key
    from benchmarks.setup import bench_app, live_server

    app = bench_app()
    with app.app_context():
        load._fill(12, 0)
        create_user("bench@example.invalid", "Bench", "a long password", Role.CASEWORKER, ["edg"])
        _, token = create_api_key("bench")
        db.session.commit()
        url = db.engine.url.render_as_string(hide_password=False)
        references = list(db.session.execute(sa.text("SELECT reference FROM report")).scalars())
    engine = sa.create_engine(url)
    bare_app.metadata.create_all(engine)
    engine.dispose()
    bare = bare_app.create_bare_app(url, list_size=5, photo_dir=common.temp_dir())
    answered: Counter[int] = Counter()
    lock = threading.Lock()
    inner = bare.wsgi_app

    def counting(environ, start_response):
        def start(status, headers, exc_info=None):
            with lock:
                answered[int(status.split()[0])] += 1
            return start_response(status, headers, exc_info)

        return inner(environ, start)

    bare.wsgi_app = counting  # type: ignore[method-assign]
    with live_server(bare) as base:
        yield base, token, references, answered


def _plan(token: str, references: list[str], cookie: str, mix: dict[str, int]) -> Plan:
    return Plan(token, references, cookie, load.phone_photo((64, 48)), mix=mix)


def test_generator_counts_every_answer_and_every_error(bare_server):
    base, token, references, answered = bare_server
    cookie = load.bare_log_in(base, "bench@example.invalid")
    answered.clear()
    tally = load.run_load(base, _plan(token, references, cookie, dict(load.MIX)), 2.0, clients=4)
    assert len(tally.samples) == sum(answered.values()) >= 1
    assert tally.errors == sum(n for status, n in answered.items() if not 200 <= status < 300)
    assert tally.errors == 0, tally.error_statuses()
    assert sum(len(tally.of(kind)) for kind in tally.kinds()) == len(tally.samples)
    assert set(tally.kinds()) <= set(load.MIX)
    assert tally.throughput == len(tally.samples) / tally.seconds


def test_generator_counts_refused_requests_as_errors(bare_server):
    base, token, references, answered = bare_server
    answered.clear()
    # Without a session the bare inbox answers 401; a missing reference's status page 404.
    tally = load.run_load(
        base,
        _plan(token, ["XX-NOT-THERE"], "", {"inbox": 1, "status page": 1}),
        0.5,
        clients=2,
    )
    assert tally.errors == len(tally.samples) == sum(answered.values()) >= 1
    assert answered.keys() <= {401, 404}
    statuses = tally.error_statuses()
    assert sum(statuses.values()) == tally.errors
    assert set(statuses) <= {"inbox 401", "status page 404"}


def test_a_server_that_is_not_there_is_an_error_not_a_crash():
    base = f"http://127.0.0.1:{load.free_port()}"
    tally = load.run_load(base, _plan("k", ["R"], "", {"status page": 1}), 0.2, clients=1)
    assert tally.samples and all(s.status == 0 for s in tally.samples)
    assert tally.errors == len(tally.samples)


def test_a_mix_of_some_types_only():
    assert load.parse_mix("") == load.MIX
    assert load.parse_mix("status page=3, inbox=1") == {"status page": 3, "inbox": 1}
    for wrong in ("status=1", "inbox", "inbox=0", "inbox=x"):
        with pytest.raises(SystemExit, match="BENCH_LOAD_MIX"):
            load.parse_mix(wrong)


def test_percentiles_by_nearest_rank():
    values = [float(v) for v in range(100, 0, -1)]  # 100 … 1, unsorted on purpose
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99
    assert percentile(values, 1.0) == 100
    assert percentile([7.0], 0.99) == 7
    assert percentile([1.0, 2.0, 3.0], 0.5) == 2


def test_throughput_adds_each_connections_rate():
    # One connection answered 10 in 2 s, another 5 in 1 s, a third never got an answer.
    assert load.combined_rate([(10, 2.0), (5, 1.0), (0, 0.0)]) == 10.0
    assert load.combined_rate([]) == 0


def test_intake_turns_spread_is_each_turns_own_ratio():
    from benchmarks.intake_http import turn_spread

    # Ours 100, 120, 90 reports/s, each beside the bare turn after it: ÷2.0, ÷1.5, ÷2.4.
    assert turn_spread([100.0, 120.0, 90.0], [200.0, 180.0, 216.0]) == "3 turns ÷1.5–2.4"


def test_sides_take_turns_and_their_turns_add_up():
    calls: list[tuple] = []

    def side(name: str):
        def turn(seconds: float, number: int) -> Tally:
            calls.append((name, number, seconds))
            return Tally([Sample("inbox", 200, 0.1)] * 3, seconds=seconds)

        return turn

    tallies = load.alternate(
        {"product": side("product"), "bare": side("bare")},
        seconds=20,
        rounds=4,
        after={"product": lambda: calls.append(("drain",))},
    )
    assert calls == [
        ("product", 1, 5.0),
        ("drain",),
        ("bare", 1, 5.0),
        ("bare", 2, 5.0),
        ("product", 2, 5.0),
        ("drain",),
        ("product", 3, 5.0),
        ("drain",),
        ("bare", 3, 5.0),
        ("bare", 4, 5.0),
        ("product", 4, 5.0),
        ("drain",),
    ]
    for tally in tallies.values():
        assert len(tally.samples) == 12 and tally.seconds == 20.0 and tally.throughput == 0.6


def test_tally_percentiles_are_per_type():
    samples = [Sample("status page", 200, n / 1000) for n in range(1, 101)]
    samples += [Sample("inbox", 500, 5.0), Sample("inbox", 200, 1.0)]
    tally = Tally(samples, seconds=4.0)
    assert tally.percentile("status page", 0.5) == pytest.approx(0.050)
    assert tally.percentile("status page", 0.95) == pytest.approx(0.095)
    assert tally.percentile("inbox", 0.5) == 1.0
    assert tally.errors == 1
    assert tally.error_statuses() == {"inbox 500": 1}
    assert tally.throughput == 102 / 4.0
    summary = tally.summary()
    assert summary["requests"] == 102 and summary["errors"] == 1
    assert summary["types"]["status page"] == {
        "n": 100,
        "p50_ms": 50.0,
        "p95_ms": 95.0,
        "p99_ms": 99.0,
        "errors": 0,
    }
    assert summary["types"]["inbox"]["errors"] == 1
    json.dumps(summary)  # as it goes into the JSON result


def test_verdicts_compare_with_the_bare_app(results):
    def tally(p50_ms: float, count: int, errors: int = 0) -> Tally:
        samples = [Sample("status page", 200, p50_ms / 1000) for _ in range(count)]
        samples += [Sample("inbox", 500, 0.001) for _ in range(errors)]
        return Tally(samples, seconds=1.0)

    load._verdicts(tally(30, 80), tally(10, 100), "PostgreSQL")
    by_name = {r["name"]: r for r in results}
    throughput = by_name[f"load: mixed traffic, {load.CLIENTS} clients (PostgreSQL)"]
    assert throughput["ok"] and throughput["value"] == 80 and throughput["limit_value"] == 70
    assert throughput["details"]["bare"]["types"]["status page"]["p50_ms"] == 10.0
    status = by_name["load: status page, p50 (PostgreSQL)"]
    assert not status["ok"] and status["verdict"].startswith("SLOWER")
    assert status["value"] == 30 and status["limit_value"] == 20
    assert by_name["load: errors (PostgreSQL)"]["ok"]

    results.clear()
    load._verdicts(tally(10, 60, errors=2), tally(10, 100), "PostgreSQL")
    by_name = {r["name"]: r for r in results}
    assert not by_name[f"load: mixed traffic, {load.CLIENTS} clients (PostgreSQL)"]["ok"]
    assert by_name["load: status page, p50 (PostgreSQL)"]["ok"]
    errors = by_name["load: errors (PostgreSQL)"]
    assert not errors["ok"] and errors["value"] == 2


def test_line_records_each_figure(results, capsys):
    common.line(
        "inbox counts per status, 1M (PostgreSQL)",
        "86.0 ms",
        "raw SQL 92 ms (×2+5 ms = 189.0 ms)",
        "ok",
    )
    common.line("intake over HTTP (SQLite)", "1,204 reports/s", "bare 467/s", "SLOWER (÷5.9)")
    assert "inbox counts per status" in capsys.readouterr().out
    first, second = results
    assert first["value"] == 86.0 and first["unit"] == "ms"
    assert first["limit_value"] == 189.0 and first["engine"] == "PostgreSQL" and first["ok"]
    assert second["value"] == 1204 and second["unit"] == "reports/s"
    assert second["engine"] == "SQLite" and not second["ok"]


def _bench_table(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "scripts" / "bench_table.py"), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_results_as_json_and_the_table_of_one_run(results, tmp_path):
    common.line("photo pipeline (SQLite)", "233 ms", "Pillow 238 ms (×1.5 = 357 ms)", "ok")
    started = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    path = common.write_results(started, tmp_path, only=["photos"])
    assert path.name == "20261130T090000Z.json"
    document = json.loads(path.read_text())
    assert document["only"] == ["photos"] and document["results"][0]["value"] == 233
    answer = _bench_table(path)
    assert answer.returncode == 0, answer.stderr
    assert "| photo pipeline (SQLite) | 233 ms | Pillow 238 ms (×1.5 = 357 ms) | ok |" in (
        answer.stdout
    )


def test_table_of_three_runs_shows_min_and_median(tmp_path):
    paths = []
    for n, (value, limit, ok) in enumerate(
        [(12.0, 20.0, True), (30.0, 22.0, False), (14.0, 21.0, True)]
    ):
        result = {
            "name": "map clusters (PostgreSQL)",
            "value": value,
            "unit": "ms",
            "text": f"{value} ms",
            "limit": f"raw {limit / 2} ms (×2 = {limit} ms)",
            "limit_value": limit,
            "verdict": "ok" if ok else "SLOWER",
            "ok": ok,
            "engine": "PostgreSQL",
        }
        only_first = [] if n else [{**result, "name": "bot step", "value": 5.0, "limit_value": 9.0}]
        path = tmp_path / f"run{n}.json"
        path.write_text(json.dumps({"results": [result, *only_first]}))
        paths.append(path)
    answer = _bench_table(*paths)
    assert answer.returncode == 0, answer.stderr
    assert "min / median of 3 runs" in answer.stdout
    assert (
        "| map clusters (PostgreSQL) | 12.0 / 14.0 ms | 20.0 / 21.0 ms | 2 of 3 |" in answer.stdout
    )
    assert "| bot step | 5 / 5 ms | 9 / 9 | 1 of 1, in 1 of 3 runs |" in answer.stdout

    readme = tmp_path / "README.md"
    readme.write_text("# P\n\n<!-- bench-table -->\nold\n<!-- /bench-table -->\n\nafter\n")
    assert _bench_table("--readme", readme, *paths).returncode == 0
    text = readme.read_text()
    assert "old" not in text and "12.0 / 14.0 ms" in text and text.endswith("\nafter\n")

    readme.write_text("# no markers\n")
    refused = _bench_table("--readme", readme, *paths)
    assert refused.returncode != 0 and "markers" in refused.stderr


def test_table_leaves_out_a_run_without_figures(tmp_path):
    full, empty = tmp_path / "full.json", tmp_path / "empty.json"
    result = {"name": "x", "value": 1.0, "unit": "ms", "text": "1 ms", "limit": "2 ms"}
    full.write_text(json.dumps({"results": [{**result, "limit_value": 2.0, "verdict": "ok"}]}))
    empty.write_text(json.dumps({"results": []}))
    answer = _bench_table(full, empty)
    assert answer.returncode == 0 and "| x | 1 ms | 2 ms | ok |" in answer.stdout
    assert "empty.json: no figures" in answer.stderr
    assert _bench_table(empty).returncode != 0


def test_table_refuses_a_file_that_is_not_a_result(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"something": 1}))
    answer = _bench_table(path)
    assert answer.returncode != 0 and "not a result file" in answer.stderr


def test_temporary_directories_are_removed():
    directory = common.temp_dir()
    (directory / "file").write_text("x")
    common.remove_temp_dirs()
    assert not directory.exists()


def test_a_run_records_the_speed_of_its_machine(results, tmp_path):
    speed = common.machine_speed()
    assert speed > 0 and common.machine_speed() == speed  # measured once per run
    path = common.write_results(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["machine"]["python_loop_ms"] == speed
