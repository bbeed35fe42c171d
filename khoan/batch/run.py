"""``run_batch``: many scenarios, one summary row each, files that a rerun resumes from."""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._canonical import canonical_json, sha256
from .._files import atomic_write_bytes, check_folder_target, make_folder
from ..errors import KhoanError, ScenarioError
from ..report.excel import csv_bytes
from ..report.result import digest_of, provenance
from ..scenarios.files import expand
from .executors import execute, is_dask_client, run_dask, run_processes
from .manifest import (
    MANIFEST,
    MANIFEST_FORMAT,
    ManifestWriter,
    adopt,
    entry_reusable,
    read_manifest,
)
from .naming import assign_stems, runner_name, scenario_dict, scenario_name
from .result import BatchResult
from .store import (
    SCENARIO_DIR,
    Committer,
    clean_temp_files,
    folder_lock,
    remove_tables,
    summary_table,
    write_tables,
)

__all__ = ["run_batch"]


def _default_fn() -> Callable:
    from ..scenarios import simulate

    return simulate


def _extract(prov: dict[str, Any], summary: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        for d in (prov, prov.get("options") or {}, summary):
            if isinstance(d, dict) and d.get(k) is not None:
                return d[k]
    return None


def _progress_bar(progress: Any, total: int, initial: int):
    """A callable ``(payload) -> None`` updating the chosen progress display, and a closer.

    The tqdm bar is created at the first update: its monitor thread must not exist yet when
    the worker processes start (a process with threads does not fork them).
    """
    if callable(progress):
        return progress, lambda: None
    if not progress:
        return (lambda p: None), lambda: None
    bars: list[Any] = []

    def update(p: dict[str, Any]) -> None:
        if not bars:
            from tqdm import tqdm

            bars.append(
                tqdm(total=total, initial=initial, unit="scenario", file=sys.stderr, desc="khoan")
            )
        bars[0].update(1)
        if p.get("status") != "ok":
            bars[0].set_postfix_str(f"failed: {p['name'][:40]}")

    def close() -> None:
        if bars:
            bars[0].close()

    return update, close


def run_batch(
    model: Any,
    scenarios: Any,
    out: str | Path | None = None,
    executor: Any = None,
    *,
    progress: bool | Callable[[dict[str, Any]], None] = True,
    fn: Callable[[Any, Any], Any] | None = None,
    jobs: int | None = None,
    resume: bool = True,
    retries: int = 2,
) -> BatchResult:
    """Run many scenarios and collect one summary row per scenario.

    Parameters
    ----------
    model : khoan.Model
        The province model (sent once per worker process or scattered once to a cluster).
    scenarios : list of Scenario, or mapping
        Scenarios (e.g. from :func:`grid`), or the grid mapping read from TOML:
        ``{"base": {...}, "grid": {"policy": [...], "target": [...]}, "name": "{policy}"}``.
        Names must be unique.
    out : str or Path, optional
        Output folder: Parquet tables per scenario, ``manifest.json``, ``summary.csv``,
        ``summary.xlsx``. Without it, results stay in memory.
    executor : None, "processes", dask.distributed.Client or str
        ``None`` runs in this process; ``"processes"`` uses ``jobs`` local processes; a Dask
        ``Client`` (or a scheduler address, for which a client is opened and closed) runs on
        the cluster.
    progress : bool or callable
        Show a tqdm progress bar on stderr, or call ``progress(payload)`` after each scenario
        (``payload["name"]``, ``payload["status"]``).
    fn : callable, optional
        ``fn(model, scenario) -> result`` with ``.by_year``, ``.by_commune``, ``.leavers``,
        ``.summary()`` and ``.provenance``; default :func:`khoan.scenarios.simulate`. For
        ``"processes"`` it must be importable (a module-level function).
    jobs : int, optional
        Worker processes for ``"processes"`` (default ``os.cpu_count()``).
    resume : bool
        Reuse finished scenarios of an earlier run into ``out`` whose inputs are unchanged.
    retries : int
        Dask: times a scenario whose worker was lost is submitted again before it is recorded
        as failed (``WorkerLost``). Errors of the scenario itself are not retried.

    Returns
    -------
    BatchResult

    Raises
    ------
    ScenarioError
        Two scenarios share a name, or a scenario has none.
    KhoanError
        Another batch is writing into ``out``, or the executor is unknown.

    Notes
    -----
    With ``"processes"`` the workers are forked from this process on Linux (Python 3.11) when
    it runs no other thread (the fastest start: nothing is imported or pickled again); otherwise
    they are started with ``forkserver`` (``spawn`` where it does not exist), as Python
    requires for a process that may hold threads: a script must then guard its entry point
    with ``if __name__ == "__main__":``.

    Finished scenarios are committed (files, then manifest entry) on background writer threads
    while the next ones compute.

    A scenario that raises is recorded as ``failed`` (error and traceback in the manifest and
    in :attr:`BatchResult.errors`); the others finish. On ``KeyboardInterrupt`` pending work is
    cancelled, the manifest is written for what finished, and the interrupt is re-raised.
    """
    from .. import __version__

    t_start = time.perf_counter()
    fn = fn or _default_fn()
    items = expand(scenarios)
    names = [scenario_name(s) for s in items]
    seen: set[str] = set()
    dups = sorted({n for n in names if n in seen or seen.add(n)})
    if dups:
        raise ScenarioError(f"scenario names must be unique; repeated: {', '.join(dups[:10])}")
    stems = assign_stems(names)

    t0 = time.perf_counter()
    model_digest = model.digest()
    params_digest = model.params.digest()
    digest_s = time.perf_counter() - t0
    runner = runner_name(fn)
    base_inputs = {
        "khoan_version": __version__,
        "model_digest": model_digest,
        "params_digest": params_digest,
        "runner": runner,
    }
    header = {
        "format": MANIFEST_FORMAT,
        "khoan_version": __version__,
        "model": {
            "name": getattr(model, "name", None),
            "digest": model_digest,
            "params_digest": params_digest,
        },
        "runner": runner,
    }
    sc_dicts = [scenario_dict(s) for s in items]
    inputs = [
        {
            **base_inputs,
            "scenario_digest": sha256(canonical_json(d).encode("utf-8")),
        }
        for d in sc_dicts
    ]

    out_path = Path(out) if out is not None else None
    lock = contextlib.nullcontext()
    previous: dict[str, dict[str, Any]] = {}
    previous_refs: dict[str, Any] = {}
    if out_path is not None:  # an unwritable folder is an OutputError, not an OSError
        make_folder(check_folder_target(out_path))
        lock = folder_lock(out_path)

    with lock:
        if out_path is not None:
            clean_temp_files(out_path)
            previous, previous_refs = read_manifest(out_path)
            if not resume:
                previous = {}
        entries: dict[str, dict[str, Any]] = {}
        stored: dict[str, tuple[dict[str, Any], dict[str, bytes | Path]]] = {}
        todo: list[int] = []
        adopted = 0
        for i, name in enumerate(names):
            folder = f"{SCENARIO_DIR}/{stems[i]}"
            prev = previous.get(name)
            if out_path is None:
                todo.append(i)
                continue
            if entry_reusable(prev, inputs[i], folder, out_path):
                e = {**prev, "index": i, "reused": True}
            elif resume and (found := adopt(out_path, folder, name, inputs[i])) is not None:
                e = {**found, "index": i, "reused": True, "adopted": True}
                adopted += 1
            else:
                todo.append(i)
                continue
            entries[name] = e
            stored[name] = (e, {t: out_path / f["path"] for t, f in e["files"].items()})
        reused = len(names) - len(todo)
        # entries of scenarios not in this batch are kept (their files stay valid)
        name_set = set(names)
        kept = {n: e for n, e in previous.items() if n not in name_set}
        for e in kept.values():
            e["index"] = 1 << 40
        writer = (
            ManifestWriter(out_path, header, {**kept, **entries}, previous_refs)
            if out_path is not None
            else None
        )

        def _record(p: dict[str, Any]) -> None:
            i = p["index"]
            name = names[i]
            folder = f"{SCENARIO_DIR}/{stems[i]}"
            sc = sc_dicts[i]
            prov = p.get("provenance") or {}
            summary = p.get("summary") or {}
            entry: dict[str, Any] = {
                "index": i,
                "name": name,
                "folder": folder,
                "status": p["status"],
                "inputs": inputs[i],
                "scenario": sc,
                "overrides": prov.get("overrides", sc.get("overrides")),
                "solver": _extract(prov, summary, "solver"),
                "solver_status": _extract(
                    prov, summary, "solver_status", "status", "allocation_status"
                ),
                "summary": summary,
                "provenance": prov,
                "files": {},
                "worker": p.get("worker"),
                "attempts": p.get("attempts", 1),
                "timings": dict(p.get("timings") or {}),
                "error": p.get("error"),
                "traceback": p.get("traceback"),
            }
            sources: dict[str, bytes | Path] = {}
            t_w = time.perf_counter()
            if out_path is not None:
                if p["status"] == "ok":
                    entry["files"], sources = write_tables(
                        out_path, folder, p["tables"], entry=entry
                    )
                else:  # stale files of an earlier run must not pass for this one's
                    remove_tables(out_path, folder)
            else:
                sources = dict(p["tables"])
                for t, data in sources.items():
                    entry["files"][t] = {"path": None, "bytes": len(data), "sha256": sha256(data)}
            entry["timings"]["write_s"] = round(time.perf_counter() - t_w, 6)
            entry["timings"]["finished_at"] = _dt.datetime.now(_dt.UTC).isoformat(
                timespec="milliseconds"
            )
            entries[name] = entry
            if p["status"] == "ok":
                stored[name] = (entry, sources)
            if writer is not None:
                writer.update(name, entry)

        update, close_bar = _progress_bar(progress, len(names), reused)
        kind = "serial"
        n_workers = 1
        committer: Committer | None = None

        def record(p: dict[str, Any]) -> None:
            # the writer threads start with the first result: worker processes are started
            # by then, from a process without threads (see executors._mp_context)
            nonlocal committer
            if out_path is None:
                _record(p)
                return
            if committer is None:
                committer = Committer(_record)
            committer(p)

        try:
            if not todo:
                pass
            elif executor is None:
                for i in todo:
                    p = execute(fn, model, i, items[i])
                    record(p)
                    update(p)
            elif executor == "processes":
                kind = "processes"
                n_workers = max(1, min(int(jobs or os.cpu_count() or 1), len(todo)))
                run_processes(model, fn, items, todo, n_workers, record, update)
            elif is_dask_client(executor) or isinstance(executor, str):
                kind = "dask"
                n_workers = run_dask(
                    executor, model, fn, items, todo, names, record, update, retries=retries
                )
            else:
                raise KhoanError(
                    f"unknown executor {executor!r}: use None, 'processes', a "
                    "dask.distributed.Client or a scheduler address"
                )
        finally:
            try:
                if committer is not None:
                    committer.close()
            finally:
                close_bar()
                if writer is not None and (writer.dirty or not (out_path / MANIFEST).exists()):
                    writer.flush()

        rows = [
            {
                "name": n,
                "status": entries[n]["status"],
                "summary": entries[n].get("summary") or {},
                "error": entries[n].get("error"),
            }
            for n in names
        ]
        table = summary_table(rows)
        counts = {
            "scenarios": len(names),
            "ok": int((table["status"] == "ok").sum()),
            "failed": int((table["status"] != "ok").sum()),
            "reused": reused,
            "adopted": adopted,
            "computed": len(todo),
        }
        result = BatchResult(
            table=table,
            provenance={
                **provenance(
                    model,
                    inputs={
                        "scenarios": digest_of(
                            {n: i["scenario_digest"] for n, i in zip(names, inputs, strict=True)}
                        )
                    },
                    model_digest=model_digest,
                    parameters_digest=params_digest,
                ),
                "format": MANIFEST_FORMAT,
                "runner": runner,
                "executor": kind,
                "workers": n_workers,
                "counts": counts,
                "out": str(out_path) if out_path is not None else None,
                "timings": {
                    "digest_s": round(digest_s, 6),
                    "total_s": round(time.perf_counter() - t_start, 6),
                },
            },
            out=out_path,
            _items={n: stored[n] for n in names if n in stored},
            _entries={n: entries[n] for n in names},
        )
        if out_path is not None:
            atomic_write_bytes(out_path / "summary.csv", csv_bytes(table))  # UTF-8 + BOM
            result.to_excel(out_path / "summary.xlsx")
            result.provenance["timings"]["total_s"] = round(time.perf_counter() - t_start, 6)
    return result
