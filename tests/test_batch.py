"""Batch runs: executors agree, outputs are atomic and reproducible, reruns resume, names are safe."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from khoan import batch
from khoan.batch import grid, naming, run_batch, safe_name, store
from khoan.cli import run_batch_cli as run_cli
from khoan.errors import KhoanError, ScenarioError

HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- a fake simulate


@dataclasses.dataclass(frozen=True)
class FakeScenario:
    """Stands in for khoan.Scenario in the unit tests of the batch machinery."""

    name: str
    target: float = 0.1
    policy: str = "attrition"
    regime: str = "nd108"
    overrides: tuple = ()
    sleep: float = 0.0
    marker: str = ""  # a file: kill the worker the first time (while the file does not exist)


class FakeResult:
    def __init__(self, by_year, by_commune, leavers, summary, provenance):
        self.by_year = by_year
        self.by_commune = by_commune
        self.leavers = leavers
        self._summary = summary
        self.provenance = provenance

    def summary(self):
        return dict(self._summary)


def fake_simulate(model, scenario):
    """Deterministic tables from the scenario's fields and the model's communes."""
    if scenario.policy == "boom":
        raise ValueError(f"boom in {scenario.name}")
    if scenario.policy == "crash":
        os._exit(3)  # a worker dying in native code
    if scenario.marker and not os.path.exists(scenario.marker):
        Path(scenario.marker).touch()
        os._exit(3)  # dies once; the next attempt finds the file and runs
    if scenario.sleep:
        time.sleep(scenario.sleep)
    codes = model.communes["code"].to_numpy()[:20]
    years = np.arange(2016, 2021)
    k = {"attrition": 1, "early_retirement": 3, "resignation": 2}.get(scenario.policy, 5)
    savings = (np.arange(1, len(years) + 1) * int(scenario.target * 1e9) * k).astype(np.int64)
    by_year = pd.DataFrame({"year": years, "savings": savings, "cum": np.cumsum(savings)})
    by_commune = pd.DataFrame(
        {
            "commune": np.repeat(codes, len(years)),
            "year": np.tile(years, len(codes)),
            "savings": np.tile(savings // len(codes), len(codes)),
        }
    )
    leavers = pd.DataFrame(
        {"id": [f"{scenario.name}-{i}" for i in range(k)], "total": np.full(k, 10**8, np.int64)}
    )
    payback = None if scenario.regime == "never" else 2017 + k % 3
    summary = {
        "one_off_cost": int(leavers["total"].sum()),
        "cumulative_net_savings": int(savings.sum()) - int(leavers["total"].sum()),
        "payback_year": payback,
        "leavers": int(k),
    }
    return FakeResult(by_year, by_commune, leavers, summary, {"solver": "none"})


@pytest.fixture(scope="module")
def model():
    from khoan import examples

    return examples.load("khanh_hoa_2016")


def real_grid() -> list:
    """Four real scenarios on khanh_hoa_2016: target share × policy."""
    from khoan.scenarios import Scenario, Target

    base = Scenario("kh", years=(2016, 2020))
    return grid(
        base,
        target=[Target(share=0.01), Target(share=0.03)],
        policy=["early_retirement", "resignation"],
    )


def slow_simulate(model, scenario):
    """The real simulate, slowed down so that a test can stop a batch in the middle."""
    from khoan.scenarios import simulate

    time.sleep(0.4)
    return simulate(model, scenario)


def fake_grid(**extra):
    base = FakeScenario("base", **extra)
    return grid(base, target=[0.05, 0.1], policy=["attrition", "early_retirement"])


def _files(folder: Path) -> dict[str, bytes]:
    """Parquet, CSV and workbook outputs (the reproducible ones), relative path -> bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.suffix in (".parquet", ".csv", ".xlsx")
    }


def _summaries(folder: Path) -> dict[str, bytes]:
    """``summary.csv`` and ``summary.xlsx`` (byte-identical for the same inputs)."""
    return {p.name: p.read_bytes() for p in sorted(folder.glob("summary.*"))}


def _assert_same_tables(a, b) -> None:
    """Two batch results store equal tables (read back) for the same scenarios."""
    assert set(a.results) == set(b.results)
    for name in a.results:
        for t in store.TABLES:
            x, y = getattr(a.results[name], t), getattr(b.results[name], t)
            assert (x is None) == (y is None), (name, t)
            if x is not None:
                pd.testing.assert_frame_equal(x, y)


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(batch.TMP_SUFFIX)]


# --------------------------------------------------------------------------- names


def test_grid_names_are_deterministic_and_fields_vary():
    scs = fake_grid()
    assert [s.name for s in scs] == [
        "base-target_0_05-policy_attrition",
        "base-target_0_05-policy_early_retirement",
        "base-target_0_1-policy_attrition",
        "base-target_0_1-policy_early_retirement",
    ]
    assert {(s.target, s.policy) for s in scs} == {
        (t, p) for t in (0.05, 0.1) for p in ("attrition", "early_retirement")
    }
    named = grid(FakeScenario("b"), name="{base}/{policy}/{target}", policy=["x"], target=[1.5])
    assert named[0].name == "b/x/1_5"
    with pytest.raises(ScenarioError, match="same name"):
        grid(FakeScenario("b"), name="{policy}", policy=["x"], target=[1, 2])


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/x",
        "..",
        ".",
        "/abs/path",
        "a\\b\\..\\c",
        "CON",
        "con.txt",
        "NUL",
        "COM1",
        "lpt9.parquet",
        "x" * 300,
        "ố" * 300,
        'a:b*c?d<e>f|g"h',
        "tab\tnew\nline\x00nul",
        "   ",
        "",
        "trailing. ",
    ],
)
def test_safe_name_hostile(name):
    s = safe_name(name)
    assert s and s not in (".", "..")
    assert "/" not in s and "\\" not in s and "\x00" not in s
    assert not any(c in s for c in '<>:"|?*')
    assert not s.startswith(".") and not s.endswith((".", " "))
    assert s.split(".")[0].upper() not in naming._WINDOWS_RESERVED
    assert len(s) <= 109 and len(s.encode()) <= 160
    # a safe name stays inside the output folder
    root = Path("/tmp/out").resolve()
    assert (root / s).resolve().parent == root


def test_safe_name_keeps_clean_names_and_normalises_unicode():
    assert safe_name("giam-10pct_nd178") == "giam-10pct_nd178"
    nfd = "Nghỉ hưu sớm".encode().decode()
    import unicodedata

    assert safe_name(unicodedata.normalize("NFD", "Nghỉ-hưu")) == unicodedata.normalize(
        "NFC", "Nghỉ-hưu"
    )
    assert safe_name(nfd).startswith("Nghỉ_hưu_sớm~")
    long = "x" * 300
    s = safe_name(long)
    assert s.startswith("x" * 100 + "~") and len(s) == 109
    assert safe_name("x" * 299 + "y") != s  # the hash keeps different names apart


def test_hostile_scenario_names_never_become_file_names(model, tmp_path):
    """Files are named after a hash of their chunk, never after a scenario: reserved device
    names, case twins and very long names all land in ``chunks/`` and read back."""
    from khoan.scenarios import Scenario

    names = ["CON", "con", "nul", "COM1", "x" * 300, "Nghỉ_hưu"]
    scs = [Scenario(n, years=(2016, 2017)) for n in names]
    res = run_batch(model, scs, tmp_path / "out", progress=False)
    assert res.ok and res.table["name"].tolist() == names
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    root = (tmp_path / "out" / "chunks").resolve()
    files = {p.resolve() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert {p for p in files if p.parent != root} == {
        (tmp_path / "out" / n).resolve()
        for n in ("manifest.json", "summary.csv", "summary.xlsx", store.LOCK_FILE)
    }
    for n in names:
        paths = {f["path"] for f in man["scenarios"][n]["files"].values()}
        assert paths and all((tmp_path / "out" / p).resolve().parent == root for p in paths)
        assert all(p.split("/")[1].split(".")[0].isalnum() for p in paths)
        assert res.results[n].by_year["headcount_end"].iloc[-1] > 0
    spans: dict[str, list[tuple[int, int]]] = {}
    for e in man["scenarios"].values():
        assert set(e["files"]) == {"by_year", "by_commune", "leavers"}
        for f in e["files"].values():
            spans.setdefault(f["path"], []).append((f["offset"], f["rows"]))
    for path, rows in spans.items():  # each scenario's rows apart, one after the other
        rows.sort()
        assert all(o + n == rows[k + 1][0] for k, (o, n) in enumerate(rows[:-1])), path
        assert pq.ParquetFile(tmp_path / "out" / path).metadata.num_rows == sum(n for _, n in rows)


def test_stems_unique_on_collisions():
    stems = naming.assign_stems(["a/b", "a_b", "A_B", "a:b"])
    assert len({s.casefold() for s in stems}) == 4
    assert stems[1] == "a_b"


def test_duplicate_scenario_names_refused(model, tmp_path):
    scs = [FakeScenario("a"), FakeScenario("a", target=0.2)]
    with pytest.raises(ScenarioError, match="unique"):
        run_batch(model, scs, tmp_path, progress=False, fn=fake_simulate)


# --------------------------------------------------------------------------- outputs


def test_serial_batch_outputs_and_manifest(model, tmp_path):
    res = run_batch(model, fake_grid(), tmp_path, progress=False, fn=fake_simulate)
    assert res.ok and len(res.table) == 4
    assert list(res.table.columns[:2]) == ["name", "status"]
    assert res.table["one_off_cost"].dtype == "Int64"
    man = json.loads((tmp_path / "manifest.json").read_text())
    assert man["format"] == batch.MANIFEST_FORMAT
    assert man["model"]["digest"] == model.digest()
    assert man["model"]["params_digest"] == model.params.digest()
    e = man["scenarios"]["base-target_0_1-policy_attrition"]
    assert e["status"] == "ok" and e["inputs"]["scenario_digest"]
    assert e["inputs"]["khoan_version"]
    assert set(e["files"]) == {"by_year", "by_commune", "leavers"}
    assert {"run_s", "encode_s", "write_s"} <= set(e["timings"])
    for f in e["files"].values():
        assert (tmp_path / f["path"]).is_file()
    assert (tmp_path / "summary.csv").is_file() and (tmp_path / "summary.xlsx").is_file()
    assert not _temp_files(tmp_path)
    r = res.results["base-target_0_1-policy_attrition"]
    pd.testing.assert_frame_equal(
        r.by_year, fake_simulate(model, FakeScenario("x", target=0.1)).by_year
    )
    assert r.summary()["leavers"] == 1
    assert "<table" in res._repr_html_()
    assert 'class="total"' not in res._repr_html_()  # scenarios' figures do not add up
    assert res.provenance["counts"] == {
        "scenarios": 4,
        "ok": 4,
        "failed": 0,
        "reused": 0,
        "adopted": 0,
        "computed": 4,
    }


def test_in_memory_results_without_out(model):
    res = run_batch(model, fake_grid(), progress=False, fn=fake_simulate)
    assert res.out is None and len(res.results) == 4
    assert res.results["base-target_0_05-policy_attrition"].leavers.shape == (1, 2)


def test_same_inputs_same_bytes(model, tmp_path):
    run_batch(model, fake_grid(), tmp_path / "a", progress=False, fn=fake_simulate)
    run_batch(model, fake_grid(), tmp_path / "b", progress=False, fn=fake_simulate)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert len(a) == 3 + 2 and a == b  # one chunk: a file per table; summary.csv, .xlsx


def test_failure_is_recorded_and_others_finish(model, tmp_path):
    scs = [FakeScenario("ok1"), FakeScenario("bad", policy="boom"), FakeScenario("ok2")]
    res = run_batch(model, scs, tmp_path, progress=False, fn=fake_simulate)
    assert res.failed == ["bad"]
    row = res.table.set_index("name").loc["bad"]
    assert row["status"] == "failed" and "ValueError: boom in bad" in row["error"]
    assert pd.isna(row["one_off_cost"])
    e = json.loads((tmp_path / "manifest.json").read_text())["scenarios"]["bad"]
    assert e["status"] == "failed" and "Traceback" in e["traceback"]
    assert e["files"] == {}
    paths = {f["path"] for n in ("ok1", "ok2") for f in res._entries[n]["files"].values()}
    assert len(paths) == 3
    for path in paths:  # the chunk's files hold the two finished scenarios only
        rows = sum(res._entries[n]["files"][path.split(".")[1]]["rows"] for n in ("ok1", "ok2"))
        assert pq.ParquetFile(tmp_path / path).metadata.num_rows == rows
    assert set(res.results) == {"ok1", "ok2"}
    assert "bad" in res.errors


def test_resume_skips_unchanged_and_recomputes_changed(model, tmp_path):
    calls = []

    def counting(m, s):
        calls.append(s.name)
        return fake_simulate(m, s)

    scs = fake_grid()
    run_batch(model, scs, tmp_path, progress=False, fn=counting)
    first = _files(tmp_path)
    calls.clear()
    res = run_batch(model, scs, tmp_path, progress=False, fn=counting)
    assert calls == [] and res.provenance["counts"]["reused"] == 4
    assert _files(tmp_path) == first
    # change one scenario: only it is recomputed
    scs2 = [dataclasses.replace(s, regime="nd178") if i == 2 else s for i, s in enumerate(scs)]
    res = run_batch(model, scs2, tmp_path, progress=False, fn=counting)
    assert calls == [scs[2].name] and res.provenance["counts"]["computed"] == 1
    # a damaged file is noticed: the scenarios of its chunk are recomputed, no other
    calls.clear()
    man = json.loads((tmp_path / "manifest.json").read_text())["scenarios"]
    victim = tmp_path / man[scs[2].name]["files"]["by_year"]["path"]  # a chunk of one
    victim.write_bytes(b"garbage")
    run_batch(model, scs2, tmp_path, progress=False, fn=counting)
    assert calls == [scs[2].name]
    calls.clear()
    victim = tmp_path / man[scs[0].name]["files"]["leavers"]["path"]  # the first chunk
    victim.write_bytes(victim.read_bytes()[:-1] + b"\0")
    run_batch(model, scs2, tmp_path, progress=False, fn=counting)
    assert sorted(calls) == sorted(s.name for i, s in enumerate(scs) if i != 2)
    assert len(list((tmp_path / "chunks").glob("*.parquet"))) == 6  # unused chunks removed
    # a changed model (parameters) recomputes everything
    calls.clear()
    from khoan.params import Override

    m2 = model.replace(params=model.params.with_overrides([Override("x", {"salary.base": 2})]))
    run_batch(m2, scs2, tmp_path, progress=False, fn=counting)
    assert len(calls) == 4


def test_resume_adopts_complete_outputs_the_manifest_lags_behind(model, tmp_path, monkeypatch):
    """A run killed between a chunk's files and the next manifest write: adopt, not redo."""
    from khoan.batch import run as run_module

    monkeypatch.setattr(run_module, "CHUNK_SIZE", 2)  # chunks [0, 1] and [2, 3]
    calls = []

    def counting(m, s):
        calls.append(s.name)
        return fake_simulate(m, s)

    scs = fake_grid()
    run_batch(model, scs, tmp_path, progress=False, fn=counting)
    first = _files(tmp_path)
    # the manifest as it was two scenarios earlier
    path = tmp_path / "manifest.json"
    man = json.loads(path.read_text())
    lagging = [scs[1].name, scs[3].name]
    for n in lagging:
        del man["scenarios"][n]
    path.write_text(json.dumps(man))
    # one of them also has a damaged table: its digest does not verify, so its chunk (with
    # scs[2], which the manifest lists) is recomputed
    damaged = tmp_path / man["scenarios"][scs[2].name]["files"]["leavers"]["path"]
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"\0")
    calls.clear()
    res = run_batch(model, scs, tmp_path, progress=False, fn=counting)
    assert calls == [scs[2].name, scs[3].name]
    c = res.provenance["counts"]
    assert (c["reused"], c["adopted"], c["computed"]) == (2, 1, 2)
    assert _files(tmp_path) == first
    man = json.loads(path.read_text())
    assert set(man["scenarios"]) == {s.name for s in scs}
    assert man["scenarios"][scs[1].name]["adopted"] is True
    assert res.table.set_index("name").loc[scs[1].name, "leavers"] == 3  # early retirement
    # without resume nothing is adopted
    calls.clear()
    run_batch(model, scs, tmp_path, progress=False, fn=counting, resume=False)
    assert len(calls) == 4


def test_temp_files_are_cleaned_and_never_read(model, tmp_path):
    run_batch(model, fake_grid(), tmp_path, progress=False, fn=fake_simulate)
    junk = tmp_path / "chunks" / f".x.by_year.parquet.abc{batch.TMP_SUFFIX}"
    junk.write_bytes(b"partial")
    res = run_batch(model, fake_grid(), tmp_path, progress=False, fn=fake_simulate)
    assert res.provenance["counts"]["reused"] == 4
    assert not _temp_files(tmp_path)


def test_atomic_write_leaves_nothing_on_error(tmp_path, monkeypatch):
    def boom(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        batch.atomic_write_bytes(tmp_path / "x.parquet", b"data")
    assert list(tmp_path.iterdir()) == []


def test_folder_lock(model, tmp_path):
    with store.folder_lock(tmp_path), pytest.raises(KhoanError, match="another"):
        run_batch(model, fake_grid(), tmp_path, progress=False, fn=fake_simulate)


def test_grid_mapping_form(model):
    from_toml = {
        "base": FakeScenario("b"),
        "grid": {"policy": ["attrition", "resignation"], "target": [0.1]},
        "name": "{policy}",
    }
    res = run_batch(model, from_toml, progress=False, fn=fake_simulate)
    assert res.table["name"].tolist() == ["attrition", "resignation"]


def test_compare_plots(model):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = run_batch(model, fake_grid(), progress=False, fn=fake_simulate)
    ax = res.compare()
    assert ax.get_xlabel() and ax.get_ylabel() and len(ax.patches) == 4
    ax = res.compare("cum", lang="en")
    assert len(ax.get_lines()) == 4 and ax.get_xlabel() == "Year"
    ax = res.plot.compare("one_off_cost", lang="en")
    assert "One-off cost" in ax.get_title()
    with pytest.raises(KhoanError):
        res.compare("nope")
    plt.close("all")


def test_csv_escapes_formulas(model, tmp_path):
    res = run_batch(
        model, [FakeScenario("=cmd|'/c calc'!A1")], tmp_path, progress=False, fn=fake_simulate
    )
    assert res.ok
    text = (tmp_path / "summary.csv").read_text()
    assert "\n'=cmd" in text


# --------------------------------------------------------------------------- executors


def test_serial_processes_and_dask_agree(model, tmp_path):
    """Real simulate: in process, 2 local processes, and a 2-worker LocalCluster."""
    distributed = pytest.importorskip("distributed")
    scs = real_grid()
    serial = run_batch(model, scs, tmp_path / "serial", progress=False)
    assert serial.ok, serial.errors
    procs = run_batch(model, scs, tmp_path / "procs", "processes", progress=False, jobs=2)
    assert procs.provenance["executor"] == "processes" and procs.provenance["workers"] == 2
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        dask = run_batch(model, scs, tmp_path / "dask", client, progress=False)
        by_address = run_batch(
            model, scs, tmp_path / "addr", cluster.scheduler_address, progress=False
        )
    assert dask.provenance["executor"] == "dask" and dask.provenance["workers"] == 2
    assert by_address.ok
    workers = {e["worker"] for e in dask._entries.values()}
    assert len(workers) >= 1 and all(":" in w for w in workers)
    for other in (procs, dask, by_address):
        pd.testing.assert_frame_equal(serial.table, other.table)
    ref = _summaries(tmp_path / "serial")
    assert set(ref) == {"summary.csv", "summary.xlsx"}
    for folder in ("procs", "dask", "addr"):
        assert _summaries(tmp_path / folder) == ref, folder
    for other in (procs, dask, by_address):  # chunked differently, the same tables
        _assert_same_tables(serial, other)


def test_real_results_round_trip(model, tmp_path):
    from khoan.scenarios import simulate

    sc = real_grid()[3]
    res = run_batch(model, [sc], tmp_path, progress=False)
    direct = simulate(model, sc)
    stored = res.results[sc.name]
    for t in ("by_year", "by_commune", "leavers"):
        pd.testing.assert_frame_equal(getattr(stored, t), getattr(direct, t))
    row = res.table.iloc[0]
    summary = direct.summary()
    for k in ("one_off_cost", "cumulative_net_savings", "payback_year", "leavers"):
        assert row[k] == summary[k]
    assert res.table["one_off_cost"].dtype == "Int64"
    man = json.loads((tmp_path / "manifest.json").read_text())
    e = man["scenarios"][sc.name]
    assert e["scenario"]["target"] == {"share": 0.03, "scope": "province", "path": "linear"}
    ref = e["provenance"]["parameters"]
    assert man["parameter_references"][ref.rpartition("/")[2]]


def test_real_failure_recorded_and_cli_names_it(model, tmp_path):
    batch_file = tmp_path / "batch.toml"
    batch_file.write_text(
        textwrap.dedent(
            """
            name = "{base}-{policy}-{target}"
            [defaults]
            years = [2016, 2020]
            [base]
            name = "kh"
            [grid]
            policy = ["early_retirement", "resignation"]
            target = [{ share = 0.01 }, { share = 0.2 }]
            """
        ),
        encoding="utf-8",
    )
    from rich.console import Console

    out, err = Console(record=True, width=200), Console(record=True, width=200)
    code = run_cli(batch_file, "khanh_hoa_2016", tmp_path / "out", stdout=out, stderr=err)
    assert code == 1
    text = err.export_text()
    failed = ["kh-early_retirement-share_0_2", "kh-resignation-share_0_2"]
    for name in failed:
        assert name in text
    assert "cannot be met" in text
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    statuses = {n: e["status"] for n, e in man["scenarios"].items()}
    assert statuses == {
        "kh-early_retirement-share_0_01": "ok",
        "kh-early_retirement-share_0_2": "failed",
        "kh-resignation-share_0_01": "ok",
        "kh-resignation-share_0_2": "failed",
    }
    e = man["scenarios"]["kh-resignation-share_0_2"]
    assert e["error"].startswith("ScenarioError") and "Traceback" in e["traceback"]
    csv = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert csv["status"].tolist() == ["ok", "failed", "ok", "failed"]


def test_dask_lost_workers_are_retried_then_reported(model, tmp_path):
    """Workers killed in the middle of a scenario: retried on a new worker, then WorkerLost."""
    distributed = pytest.importorskip("distributed")
    import dask

    once = [FakeScenario("once", marker=str(tmp_path / "died-once")), *fake_grid()[:2]]
    t0 = time.monotonic()
    # without this the scheduler itself reruns a task whose worker died (3 times by default)
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # a worker dies once: its scenario (and any queued with it) runs again elsewhere
        res = run_batch(model, once, tmp_path / "a", client, progress=False, fn=fake_simulate)
        assert res.ok, res.errors
        # a scenario that kills every worker it runs on: given up after 1 + retries attempts
        bad = run_batch(
            model,
            [FakeScenario("always", policy="crash")],
            tmp_path / "b",
            client,
            progress=False,
            fn=fake_simulate,
            retries=1,
        )
    assert time.monotonic() - t0 < 120  # ~10 s on an idle machine; workers restart in between
    man = json.loads((tmp_path / "a" / "manifest.json").read_text())["scenarios"]
    assert man["once"]["status"] == "ok" and man["once"]["attempts"] == 2
    assert (tmp_path / "died-once").exists()
    assert bad.failed == ["always"]
    err = bad.table.set_index("name").loc["always", "error"]
    assert err.startswith("WorkerLost") and "2 attempt(s)" in err and "NoneType" not in err
    man = json.loads((tmp_path / "b" / "manifest.json").read_text())["scenarios"]
    assert man["always"]["attempts"] == 2 and "WorkerLost" in man["always"]["error"]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_scheduler_fails_fast(model, tmp_path):
    address = f"tcp://127.0.0.1:{_free_port()}"
    t0 = time.monotonic()
    with pytest.raises(KhoanError, match=f"no Dask scheduler answers at {address}"):
        run_batch(model, fake_grid(), tmp_path, address, progress=False, fn=fake_simulate)
    assert time.monotonic() - t0 < 10
    with pytest.raises(KhoanError, match="tcp://host:port"):
        run_batch(model, fake_grid(), None, "tcp://nowhere", progress=False, fn=fake_simulate)


def test_cli_unreachable_scheduler_is_a_short_error(tmp_path, capsys):
    from khoan.cli import main

    f = tmp_path / "grid.toml"
    f.write_text(GRID_TOML, encoding="utf-8")
    address = f"tcp://127.0.0.1:{_free_port()}"
    t0 = time.monotonic()
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "run",
                str(f),
                "--model",
                "khanh_hoa_2016",
                "--out",
                str(tmp_path / "o"),
                "--scheduler",
                address,
            ]
        )
    assert exc.value.code == 1 and time.monotonic() - t0 < 30
    err = capsys.readouterr().err
    assert "no Dask scheduler answers" in err and "Traceback" not in err


def test_processes_a_dying_worker_fails_only_its_scenario(model, tmp_path):
    scs = [FakeScenario(f"s{i}", policy="crash" if i == 2 else "attrition") for i in range(5)]
    res = run_batch(model, scs, tmp_path, "processes", progress=False, fn=fake_simulate, jobs=2)
    assert res.failed == ["s2"]
    assert "worker process died" in res.table.set_index("name").loc["s2", "error"]
    assert len(res.results) == 4


def test_processes_a_dying_worker_beyond_the_submission_window(model, tmp_path):
    """Scenarios are handed to the pool a few at a time: a crash late in the batch, after
    the first window was consumed, still fails only its own scenario, and every other one
    (submitted before or after it) is computed once."""
    from khoan.batch import executors

    n = 3 * executors.WINDOW_PER_WORKER * 2 + 1
    scs = [FakeScenario(f"s{i}", policy="crash" if i == n - 6 else "attrition") for i in range(n)]
    res = run_batch(model, scs, tmp_path, "processes", progress=False, fn=fake_simulate, jobs=2)
    assert res.failed == [f"s{n - 6}"]
    assert len(res.results) == n - 1
    man = json.loads((tmp_path / "manifest.json").read_text())["scenarios"]
    assert [e["index"] for e in man.values()] == list(range(n))
    assert all(e["attempts"] == 1 for e in man.values())


def test_processes_needs_a_picklable_function(model):
    with pytest.raises(KhoanError, match="module-level"):
        run_batch(
            model, fake_grid(), None, "processes", progress=False, fn=lambda m, s: None, jobs=2
        )


def test_unknown_executor(model):
    with pytest.raises(KhoanError, match="unknown executor"):
        run_batch(model, fake_grid(), None, 42, progress=False, fn=fake_simulate)


# --------------------------------------------------------------------------- kill and resume

_KILL_SCRIPT = """
import sys
sys.path.insert(0, {here!r})
import test_batch as t
from khoan import examples
from khoan.batch import run_batch
import khoan.batch.run
khoan.batch.run.CHUNK_SIZE = 2
model = examples.load("khanh_hoa_2016")
scs = t.real_grid() if {real!r} else t.fake_grid(sleep=0.4)
fn = t.slow_simulate if {real!r} else t.fake_simulate
run_batch(model, scs, {out!r}, {executor!r}, progress=False, fn=fn, jobs=2)
"""


def _start_and_stop(script: str, folder: Path, sig: int) -> int:
    """Start a batch in a subprocess, send ``sig`` when its first Parquet file appears."""
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not list(folder.rglob("*.parquet")):
            assert proc.poll() is None, "the batch ended before it could be stopped"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        proc.send_signal(sig)
        return proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_killed_batch_resumes_to_the_same_files(model, tmp_path, monkeypatch):
    """SIGKILL after the first chunk file appears; the rerun ends with the same bytes."""
    from khoan.batch import run as run_module

    monkeypatch.setattr(run_module, "CHUNK_SIZE", 2)  # as in the killed run
    killed = tmp_path / "killed"
    script = textwrap.dedent(_KILL_SCRIPT).format(
        here=str(HERE), out=str(killed), executor=None, real=True
    )
    assert _start_and_stop(script, killed, signal.SIGKILL) == -signal.SIGKILL
    assert len(list(killed.rglob("*.parquet"))) < 6
    res = run_batch(model, real_grid(), killed, progress=False, fn=slow_simulate)
    assert res.ok and res.provenance["counts"]["computed"] >= 2
    whole = run_batch(model, real_grid(), tmp_path / "whole", progress=False, fn=slow_simulate)
    assert whole.ok
    assert _files(killed) == _files(tmp_path / "whole")
    assert not _temp_files(killed)


def test_ctrl_c_stops_a_process_batch_cleanly(model, tmp_path):
    stopped = tmp_path / "stopped"
    script = textwrap.dedent(_KILL_SCRIPT).format(
        here=str(HERE), out=str(stopped), executor="processes", real=False
    )
    assert _start_and_stop(script, stopped, signal.SIGINT) != 0
    assert not _temp_files(stopped)
    man = json.loads((stopped / "manifest.json").read_text())
    assert 1 <= len(man["scenarios"]) < 4
    res = run_batch(model, fake_grid(sleep=0.4), stopped, progress=False, fn=fake_simulate)
    assert res.ok and 1 <= res.provenance["counts"]["reused"] < 4
    whole = run_batch(
        model, fake_grid(sleep=0.4), tmp_path / "whole", progress=False, fn=fake_simulate
    )
    assert whole.ok
    assert _summaries(stopped) == _summaries(tmp_path / "whole")
    _assert_same_tables(res, whole)


def test_keyboard_interrupt_in_process_keeps_finished_work(model, tmp_path):
    def interrupting(m, s):
        if s.name.endswith("target_0_1-policy_attrition"):
            raise KeyboardInterrupt
        return fake_simulate(m, s)

    with pytest.raises(KeyboardInterrupt):
        run_batch(model, fake_grid(), tmp_path, progress=False, fn=interrupting)
    man = json.loads((tmp_path / "manifest.json").read_text())
    assert len(man["scenarios"]) == 2 and not _temp_files(tmp_path)


# --------------------------------------------------------------------------- command line


def test_run_cli_names_failures(model, tmp_path, monkeypatch):
    scs = [FakeScenario("ok1"), FakeScenario("xấu", policy="boom")]
    monkeypatch.setattr(batch, "load_batch_scenarios", lambda path: scs)
    from rich.console import Console

    out, err = Console(record=True, width=200), Console(record=True, width=200)
    code = run_cli("x.toml", model, tmp_path, stdout=out, stderr=err, fn=fake_simulate)
    assert code == 1
    text = err.export_text()
    assert "xấu" in text and "boom" in text
    assert "ok1" in out.export_text()
    assert run_cli("x.toml", model, tmp_path, jobs=2, scheduler="tcp://x:1") == 2


def test_run_cli_ok(model, tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "load_batch_scenarios", lambda path: fake_grid())
    from rich.console import Console

    out, err = Console(record=True, width=200), Console(record=True, width=200)
    assert (
        run_cli("x.toml", model, tmp_path, stdout=out, stderr=err, fn=fake_simulate, lang="en") == 0
    )
    assert "4 ok, 0 failed" in out.export_text()


def test_the_user_guides_grid_runs_on_the_bundled_model(tmp_path):
    # docs/user-guide.md §8: the grid shown to analysts must run as printed
    import re
    from pathlib import Path

    import khoan
    from khoan.batch import load_batch_scenarios, run_batch

    guide = (Path(__file__).resolve().parents[1] / "docs" / "user-guide.md").read_text("utf-8")
    block = re.search(r"```toml\n(\[base\].*?\[grid\].*?)```", guide, re.S).group(1)
    f = tmp_path / "luoi.toml"
    f.write_text(block, encoding="utf-8")
    scenarios = load_batch_scenarios(f)
    assert len(scenarios) == 4
    b = run_batch(khoan.examples.load("khanh_hoa_2016"), scenarios, out=tmp_path / "out")
    assert (b.table["status"] == "ok").all(), b.table[["status"]]


# --------------------------------------------------------------------------- grid files

GRID_TOML = """\
name = "{base}-{policy}-{target}"

[defaults]
years = [2016, 2020]

[base]
name = "kh"
policy = "early_retirement"

[grid]
policy = ["early_retirement", "resignation"]
target = [{ share = 0.01 }, { share = 0.03 }]
"""


def _write(tmp_path, text: str) -> Path:
    f = tmp_path / "luoi.toml"
    f.write_text(text, encoding="utf-8")
    return f


def test_grid_file_is_read_by_load_scenarios(tmp_path):
    from khoan.batch import load_batch_scenarios
    from khoan.scenarios import Target, load_scenarios

    f = _write(tmp_path, GRID_TOML + '\n[scenarios.extra]\npolicy = "attrition"\n')
    found = load_scenarios(f)
    assert list(found) == [
        "extra",
        "kh-early_retirement-share_0_01",
        "kh-early_retirement-share_0_03",
        "kh-resignation-share_0_01",
        "kh-resignation-share_0_03",
    ]
    s = found["kh-resignation-share_0_03"]
    assert s.policy == "resignation" and s.target == Target(share=0.03)
    assert s.years == (2016, 2020) and found["extra"].years == (2016, 2020)
    assert s.source.line_of("policy") == 11 and s.source.line_of("years") == 4
    assert [x.name for x in load_batch_scenarios(f)] == list(found)


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        # a misspelt grid key: named, with the close match, file and line
        ("target = [", "taget = [", 12, ["[grid], field 'taget'", "did you mean 'target'"]),
        ('policy = "early', 'polcy = "early', 8, ["field 'polcy'", "did you mean 'policy'"]),
        ('"resignation"]', '"resignaton"]', 11, ["unknown policy 'resignaton'", "'resignation'"]),
        ("[grid]", "[gird]", 10, ["'gird'", "did you mean 'grid'"]),
        ("share = 0.03", "shar = 0.03", 12, ["target"]),
    ],
)
def test_grid_file_errors_name_file_line_and_suggestion(tmp_path, old, new, line, words):
    from khoan.scenarios import load_scenarios

    f = _write(tmp_path, GRID_TOML.replace(old, new))
    with pytest.raises(ScenarioError) as exc:
        load_scenarios(f)
    msg = str(exc.value)
    assert msg.startswith(f"{f}, line {line}: "), msg
    for w in words:
        assert w in msg, msg
    assert exc.value.file == str(f) and exc.value.line == line


def test_grid_in_code_refuses_an_unknown_field_with_a_suggestion():
    from khoan.scenarios import Scenario

    with pytest.raises(ScenarioError, match="'taget'.*did you mean 'target'"):
        grid(Scenario("kh", years=(2016, 2020)), taget=[{"share": 0.1}])


def test_summary_csv_has_one_writer_with_a_byte_order_mark(model, tmp_path):
    res = run_batch(model, [FakeScenario("Xã Cam Lâm")], tmp_path, progress=False, fn=fake_simulate)
    data = (tmp_path / "summary.csv").read_bytes()
    assert data.startswith("\ufeffname,status,".encode()) and "Xã Cam Lâm".encode() in data
    from khoan.report.excel import csv_bytes

    assert data == csv_bytes(res.table)
