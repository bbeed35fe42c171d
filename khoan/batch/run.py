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
from .._files import atomic_write_bytes, check_folder_target, fsync_dir, make_folder
from ..errors import KhoanError, ScenarioError
from ..report.excel import csv_bytes
from ..report.result import digest_of, provenance
from ..scenarios.files import expand
from .chunks import (
    CHUNK_DIR,
    CHUNK_SECONDS,
    CHUNK_SIZE,
    ChunkEncoder,
    TableRef,
    chunk_id,
    part_records,
    read_chunk_records,
    remove_unreferenced,
    write_parts,
    write_record,
)
from .executors import close_chunk, execute, is_dask_client, run_dask, run_processes
from .manifest import (
    MANIFEST,
    MANIFEST_FORMAT,
    ManifestWriter,
    adopt,
    entry_reusable,
    read_manifest,
)
from .naming import runner_name, scenario_dict, scenario_name
from .result import BatchResult
from .store import Committer, clean_temp_files, folder_lock, summary_table

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


def _refs(out: Path, entry: dict[str, Any]) -> dict[str, TableRef]:
    """Where a stored entry's tables are: chunk file and row group, by table."""
    return {t: TableRef(out / f["path"], f["offset"], f["rows"]) for t, f in entry["files"].items()}


def _run_serial(fn, model, items, todo, record, update) -> None:
    """In this process: consecutive scenarios in chunks of :data:`CHUNK_SIZE` scenarios or
    :data:`CHUNK_SECONDS` of computation, whichever comes first.

    A chunk is committed when its last scenario is done; on an interrupt (Ctrl-C) the
    scenarios of the chunk in flight that finished are committed first.
    """
    pending = iter(todo)
    more = True
    while more:
        enc = ChunkEncoder()
        done: list[dict[str, Any]] = []
        t0 = time.perf_counter()
        try:
            while len(done) < CHUNK_SIZE and (not done or time.perf_counter() - t0 < CHUNK_SECONDS):
                i = next(pending, None)
                if i is None:
                    more = False
                    break
                p = execute(fn, model, i, items[i], enc)
                done.append(p)
                update(p)
        finally:
            if done:
                record(close_chunk(enc, done))


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
        Output folder: ``chunks/`` (the tables of a chunk of scenarios in one Parquet file per
        table, and a record per chunk), ``manifest.json`` (each scenario's entry says which
        rows of which file hold its tables), ``summary.csv``, ``summary.xlsx``. Without it,
        results stay in memory. See :mod:`khoan.batch` for the layout and its guarantees.
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
        Another batch is writing into ``out``, ``out`` holds a batch of the layout before
        chunks (one folder per scenario), or the executor is unknown.

    Notes
    -----
    With ``"processes"`` the workers are forked from this process on Linux (Python 3.11) when
    it runs no other thread (the fastest start: nothing is imported or pickled again); otherwise
    they are started with ``forkserver`` (``spawn`` where it does not exist), as Python
    requires for a process that may hold threads: a script must then guard its entry point
    with ``if __name__ == "__main__":``.

    Scenarios run in chunks: serially, up to 50 consecutive scenarios or 5 s of computation;
    on processes, one
    worker task (:func:`~khoan.batch.executors.chunk_sizes`); on Dask, one scenario. A
    finished chunk is committed (its Parquet files, its record, then its manifest entries):
    serially in this thread, between chunks; with processes or Dask on background writer
    threads while the next results arrive. A kill loses at most the chunks in flight, a
    rerun adopts every committed chunk.

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
        stored: dict[str, tuple[dict[str, Any], dict[str, TableRef]]] = {}
        todo: list[int] = []
        adopted = 0
        verified: dict[str, tuple[int, str]] = {}  # chunk file -> size, SHA-256 (read once)
        records: dict[str, list[dict[str, Any]]] | None = None  # chunk records, read if needed
        for i, name in enumerate(names):
            prev = previous.get(name)
            if out_path is None:
                todo.append(i)
                continue
            if entry_reusable(prev, inputs[i], out_path, verified):
                e = {**prev, "index": i, "reused": True}
            else:
                if resume and records is None:
                    records, found_refs = read_chunk_records(out_path)
                    previous_refs = {**found_refs, **previous_refs}
                found = None
                if resume and records:
                    found = adopt(records.get(name), name, inputs[i], out_path, verified)
                if found is None:
                    todo.append(i)
                    continue
                e = {**found, "index": i, "reused": True, "adopted": True}
                adopted += 1
            entries[name] = e
            stored[name] = (e, _refs(out_path, e))
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
        if out_path is not None and todo:
            make_folder(out_path / CHUNK_DIR)
            fsync_dir(out_path)

        def _entry(p: dict[str, Any]) -> dict[str, Any]:
            i = p["index"]
            sc = sc_dicts[i]
            prov = p.get("provenance") or {}
            summary = p.get("summary") or {}
            return {
                "index": i,
                "name": names[i],
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

        def _record(c: dict[str, Any]) -> None:
            """Commit a chunk: its Parquet files, its record, then its manifest entries."""
            t_w = time.perf_counter()
            payloads = c["scenarios"]
            done = [(p, _entry(p)) for p in payloads]
            ok = [(p, e) for p, e in done if p["status"] == "ok"]
            used = {loc["part"] for p, _ in ok for loc in p["files"].values()}
            parts = {k: v for k, v in (c.get("parts") or {}).items() if k in used}
            now = _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")
            if out_path is not None:
                cid = chunk_id((names[p["index"]], inputs[p["index"]]) for p in payloads)
                recs = part_records(cid, parts)
            for p, e in ok:
                for t, loc in p["files"].items():
                    head = recs[loc["part"]] if out_path is not None else {"path": None}
                    e["files"][t] = {**head, "offset": loc["offset"], "rows": loc["rows"]}
            for _, e in done:
                e["timings"]["finished_at"] = now
            compacted: dict[str, dict[str, Any]] = {}
            lines: dict[str, str] | None = None
            if writer is not None:
                compacted = {e["name"]: writer.compact(e) for _, e in done}
                write_parts(out_path, cid, parts)
            # the commit's time per scenario: the Parquet files (their syncs are most of it)
            write_s = round((time.perf_counter() - t_w) / max(1, len(done)), 6)
            for _, e in done:
                e["timings"]["write_s"] = write_s  # (the compacted entries share timings)
            if writer is not None:
                # each entry encoded once, for the chunk's record and the manifest
                lines = writer.lines(compacted)
                ok_names = [e["name"] for _, e in ok]
                text = (
                    writer.record_text(
                        cid,
                        [lines[n] for n in ok_names],
                        writer.references([compacted[n] for n in ok_names]),
                    )
                    if ok_names
                    else None
                )
                write_record(out_path, cid, text, synced=not parts)
            for _, e in done:
                entries[e["name"]] = e
            for p, e in ok:
                if out_path is not None:
                    stored[e["name"]] = (e, _refs(out_path, e))
                else:
                    stored[e["name"]] = (
                        e,
                        {
                            t: TableRef(parts[loc["part"]], loc["offset"], loc["rows"])
                            for t, loc in p["files"].items()
                        },
                    )
            if writer is not None:
                writer.update_compacted(compacted, lines)

        update, close_bar = _progress_bar(progress, len(names), reused)
        kind = "serial"
        n_workers = 1
        committer: Committer | None = None

        def record(c: dict[str, Any]) -> None:
            # the writer threads start with the first result: worker processes are started
            # by then, from a process without threads (see executors._mp_context)
            nonlocal committer
            if out_path is None or executor is None:
                # serially, a chunk's commit (four files, one folder sync per ten scenarios)
                # costs less in this thread than handing it to writer threads, which then
                # compete with the computation for the interpreter
                _record(c)
                return
            if committer is None:
                committer = Committer(_record)
            committer(c)

        try:
            if not todo:
                pass
            elif executor is None:
                _run_serial(fn, model, items, todo, record, update)
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
        if writer is not None:  # chunks whose every scenario was recomputed or failed
            remove_unreferenced(out_path, writer.entries.values())

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
