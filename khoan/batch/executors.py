"""Where the scenarios of a batch run: in process, on local processes, or on a Dask cluster.

Every executor runs :func:`execute_chunk` on chunks of scenarios (serially: consecutive
scenarios; on local processes: one task per chunk; on Dask: one scenario per task) and hands
the chunk (its scenarios' payloads — status, summary, provenance, where each table is, error —
and the chunk's encoded Parquet files) to ``record``, then each scenario's payload to
``update``, in the main process.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .._canonical import jsonable
from ..errors import KhoanError
from .chunks import TASK_SIZE, ChunkEncoder
from .naming import runner_name, scenario_name
from .store import TABLES

__all__ = [
    "chunk_sizes",
    "execute",
    "execute_chunk",
    "failed_chunk",
    "failed_payload",
    "is_dask_client",
    "run_dask",
    "run_processes",
]

Record = Callable[[dict[str, Any]], None]


def execute(
    fn: Callable, model: Any, index: int, scenario: Any, encoder: ChunkEncoder
) -> dict[str, Any]:
    """Run one scenario and add its tables to ``encoder``; never raises for an error of the
    scenario. The payload's ``files`` says where each table is (part, row group, rows)."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    name = scenario_name(scenario)
    payload: dict[str, Any] = {
        "index": index,
        "name": name,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "files": {},
        "summary": {},
        "provenance": {},
        "error": None,
        "traceback": None,
    }
    try:
        res = fn(model, scenario)
        t1 = time.perf_counter()
        summary = res.summary() if callable(getattr(res, "summary", None)) else {}
        payload["summary"] = jsonable(dict(summary))
        payload["provenance"] = _provenance_json(getattr(res, "provenance", {}) or {})
        for t in TABLES:
            df = getattr(res, t, None)
            if df is not None:
                payload["files"][t] = encoder.add(t, df)
        payload["status"] = "ok"
    except Exception as exc:
        t1 = time.perf_counter()
        payload["files"] = {}
        payload["status"] = "failed"
        payload["error"] = f"{type(exc).__name__}: {exc}"
        payload["traceback"] = traceback.format_exc()
    t2 = time.perf_counter()
    payload["timings"] = {
        "run_s": round(t1 - t0, 6),
        "encode_s": round(t2 - t1, 6),
        "cpu_s": round(time.process_time() - c0, 6),
    }
    return payload


def execute_chunk(fn: Callable, model: Any, chunk: list[tuple[int, Any]]) -> dict[str, Any]:
    """Run a chunk's scenarios one after the other; their tables in one file per table.

    Returns ``{"scenarios": [payload, ...], "parts": {part: Parquet bytes}}``; the time to
    close the chunk's files is shared among its scenarios' ``encode_s``.
    """
    enc = ChunkEncoder()
    payloads = [execute(fn, model, i, sc, enc) for i, sc in chunk]
    return close_chunk(enc, payloads)


def close_chunk(enc: ChunkEncoder, payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """The chunk of ``payloads``, whose tables ``enc`` holds."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    parts = enc.finish()
    if payloads:
        dt, dc = (time.perf_counter() - t0) / len(payloads), (time.process_time() - c0)
        for p in payloads:
            tm = p["timings"]
            tm["encode_s"] = round(tm["encode_s"] + dt, 6)
            tm["cpu_s"] = round(tm["cpu_s"] + dc / len(payloads), 6)
    return {"scenarios": payloads, "parts": parts}


def chunk_sizes(n: int, workers: int) -> int:
    """Scenarios per task on ``workers`` processes: :data:`~khoan.batch.chunks.TASK_SIZE` at
    most, and few enough that each worker gets a few tasks (so that they finish together)."""
    return max(1, min(TASK_SIZE, -(-n // (4 * max(1, workers)))))


#: the last list of legal references a provenance cited, raw and as JSON data: every scenario
#: on the same parameters cites an equal list (57 entries, 13 kB), converted once per worker
_REFERENCES: list[Any] = [None, None]


def _provenance_json(prov: Any) -> Any:
    """``jsonable(prov)``, reusing the conversion of an equal ``parameters`` list.

    The list is reused only when it was plain JSON data already (strings, numbers) and the
    new one compares equal to it.
    """
    params = prov.get("parameters") if isinstance(prov, dict) else None
    if not isinstance(params, list) or not params:
        return jsonable(prov)
    try:
        same = params == _REFERENCES[0]
    except Exception:  # values whose comparison is not a bool (arrays)
        same = False
    if same:
        data = jsonable({k: v for k, v in prov.items() if k != "parameters"})
        return {k: (_REFERENCES[1] if k == "parameters" else data[k]) for k in prov}
    data = jsonable(prov)
    if data.get("parameters") == params:  # plain JSON already: safe to reuse when equal
        _REFERENCES[:] = [params, data["parameters"]]
    return data


def failed_payload(index: int, scenario: Any, exc: BaseException) -> dict[str, Any]:
    """The payload of a scenario that could not run (its worker died, say)."""
    return {
        "index": index,
        "name": scenario if isinstance(scenario, str) else scenario_name(scenario),
        "worker": None,
        "files": {},
        "summary": {},
        "provenance": {},
        "status": "failed",
        "error": f"{type(exc).__name__}: {exc}",
        "traceback": "".join(traceback.format_exception(exc)),
        "timings": {},
    }


def failed_chunk(chunk: list[tuple[int, Any]], exc: BaseException) -> dict[str, Any]:
    """A chunk none of whose scenarios could run."""
    return {"scenarios": [failed_payload(i, sc, exc) for i, sc in chunk], "parts": {}}


# --------------------------------------------------------------------------- local processes

# worker-process state of the "processes" executor: the model is sent once per worker
_WORKER: dict[str, Any] = {}


def _init_worker(model: Any, fn: Callable) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _WORKER["model"] = model
    _WORKER["fn"] = fn
    # the imported modules and the model live as long as the worker: out of the collector's
    # sight, so that its full collections do not walk them again for every scenario
    gc.collect()
    gc.freeze()


def _pool_task(chunk: list[tuple[int, Any]]) -> dict[str, Any]:
    return execute_chunk(_WORKER["fn"], _WORKER["model"], chunk)


def _mp_context(fn: Callable):
    """How worker processes start: ``fork`` when it is safe, else forkserver or spawn.

    On Linux, when this process runs no other Python thread, the workers are forked from it:
    they start with khoan, pandas and pyarrow imported, the model in memory (not pickled) and
    whatever ``simulate`` has cached for it (measured: the first result 3–12 s sooner on a
    loaded machine than through the forkserver). A process that may hold threads (Dask, a
    progress bar, Jupyter) must not fork: there the forkserver (POSIX) imports khoan (and the
    scenario function's module) once and forks the workers from itself; spawn where it does
    not exist.

    Python 3.12 and later warn about forking a process with native threads (numpy's BLAS
    starts some at import) and 3.14 stops forking by default: there the forkserver is used.
    """
    methods = multiprocessing.get_all_start_methods()
    if (
        sys.platform == "linux"
        and sys.version_info < (3, 12)
        and "fork" in methods
        and threading.active_count() == 1
    ):
        return multiprocessing.get_context("fork")
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    mod = getattr(fn, "__module__", "") or ""
    ctx.set_forkserver_preload(sorted({"khoan.batch", *([mod] if mod.startswith("khoan") else [])}))
    return ctx


#: Tasks (chunks) handed to the pool ahead of the workers, per worker. A bounded window keeps
#: each ``wait`` cheap (it registers a waiter on every future it is given: with every task of
#: a large batch submitted at once, the parent's waiting grew with the square of the batch).
WINDOW_PER_WORKER = 4


def _pool_round(
    model, fn, items, indices, workers, record, update, chunk: int = 1
) -> tuple[set[int], bool]:
    """Run ``indices`` in one process pool, ``chunk`` scenarios per task; return the finished
    ones and whether the pool broke."""
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_mp_context(fn),
        initializer=_init_worker,
        initargs=(model, fn),
    )
    futures: dict[Any, list[tuple[int, Any]]] = {}
    pending: set[Any] = set()
    finished: set[int] = set()
    broken = False
    tasks = iter(
        [[(i, items[i]) for i in indices[k : k + chunk]] for k in range(0, len(indices), chunk)]
    )
    window = max(2, WINDOW_PER_WORKER * workers)

    def submit_more() -> bool:
        """Keep ``window`` tasks submitted; False when the pool is found broken."""
        while len(pending) < window:
            task = next(tasks, None)
            if task is None:
                return True
            try:
                fut = pool.submit(_pool_task, task)
            except BrokenProcessPool:  # a worker already died: collect, then start again
                return False
            futures[fut] = task
            pending.add(fut)
        return True

    try:
        broken = not submit_more()
        while pending:
            if broken:  # every other future is settled at once: collect what finished
                done, _ = wait(pending)
            else:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
            pending.difference_update(done)
            for fut in sorted(done, key=lambda f: futures[f][0][0]):
                task = futures.pop(fut)
                exc = fut.exception()
                if isinstance(exc, BrokenProcessPool):
                    if "initializer" in str(exc):
                        raise KhoanError(f"worker processes could not start: {exc}")
                    broken = True
                    continue
                c = fut.result() if exc is None else failed_chunk(task, exc)
                finished.update(i for i, _ in task)
                record(c)
                for p in c["scenarios"]:
                    update(p)
            if not broken:
                broken = not submit_more()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return finished, broken


def run_processes(model, fn, items, todo, n_workers, record: Record, update: Record) -> None:
    """Run on a local process pool, chunks of scenarios per task (:func:`chunk_sizes`); a
    worker that dies takes only its own scenario down.

    When a worker process dies (a crash in native code, the out-of-memory killer), the pool
    breaks. The scenarios of the tasks that were running are then rerun one at a time in a
    one-worker pool, which names the one that kills its worker: it is recorded as failed, the
    others go on.
    """
    try:
        pickle.dumps(fn)
    except Exception as exc:
        raise KhoanError(
            f"executor='processes' sends the scenario function to worker processes: "
            f"{runner_name(fn)} cannot be pickled ({exc}); use a module-level function"
        ) from None
    queue = list(todo)
    chunk = chunk_sizes(len(queue), n_workers)
    while queue:
        finished, broken = _pool_round(model, fn, items, queue, n_workers, record, update, chunk)
        queue = [i for i in queue if i not in finished]
        if not broken:
            break
        suspects = queue[: n_workers * chunk]
        queue = queue[n_workers * chunk :]
        while suspects:
            fin, br = _pool_round(model, fn, items, suspects, 1, record, update)
            suspects = [i for i in suspects if i not in fin]
            if br and suspects:
                culprit = suspects.pop(0)
                c = failed_chunk(
                    [(culprit, items[culprit])],
                    KhoanError(
                        "the worker process died while running this scenario "
                        "(a crash in native code or out of memory)"
                    ),
                )
                record(c)
                update(c["scenarios"][0])


# --------------------------------------------------------------------------- Dask


def is_dask_client(executor: Any) -> bool:
    """Whether ``executor`` is a ``dask.distributed.Client`` (without importing Dask)."""
    return type(executor).__name__ == "Client" and hasattr(executor, "scatter")


def _dask_task(item: tuple[int, Any], model: Any, fn: Callable) -> dict[str, Any]:
    return execute_chunk(fn, model, [item])


#: Seconds to wait for a scheduler address to accept a connection before giving up.
CONNECT_TIMEOUT_S = 5.0

#: Exceptions of a future whose worker was lost (not an error of the scenario).
_LOST = ("KilledWorker", "CommClosedError", "CancelledError", "FutureCancelledError")


def check_scheduler(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Fail fast when nothing listens at a Dask scheduler address (``tcp://host:port``).

    Raises
    ------
    KhoanError
        The address is malformed or refuses / does not answer a TCP connection within
        ``timeout`` seconds.
    """
    proto, sep, rest = address.partition("://")
    if not sep:
        proto, rest = "tcp", address
    if proto not in ("tcp", "tls"):
        return  # inproc://, ucx://: no TCP check
    host, _, port = rest.rstrip("/").rpartition(":")
    host = host.strip("[]")
    try:
        port_no = int(port)
    except ValueError:
        raise KhoanError(
            f"Dask scheduler address {address!r}: give tcp://host:port (e.g. tcp://10.0.0.5:8786)"
        ) from None
    try:
        with socket.create_connection((host or "127.0.0.1", port_no), timeout=timeout):
            pass
    except OSError as exc:
        raise KhoanError(
            f"no Dask scheduler answers at {address} ({exc.strerror or exc}): start one "
            "(`dask scheduler`, then `dask worker ADDRESS`) or correct the address"
        ) from None


def _connect(address: str):
    from distributed import Client

    check_scheduler(address)
    try:
        return Client(address, timeout=f"{CONNECT_TIMEOUT_S * 2}s")
    except (OSError, TimeoutError) as exc:
        raise KhoanError(f"could not connect to the Dask scheduler at {address}: {exc}") from None


def _lost(fut) -> tuple[bool, BaseException | None]:
    """Whether a future that did not finish lost its worker, and its exception if any."""
    if fut.status == "cancelled":
        return True, None
    try:
        exc = fut.exception()
    except BaseException as e:  # a cancelled future raises here
        return True, e
    return (exc is None or type(exc).__name__ in _LOST), exc


def run_dask(
    executor, model, fn, items, todo, names, record: Record, update: Record, *, retries: int = 2
) -> int:
    """Run on a Dask cluster, one scenario per task (a chunk of one); return the number of
    its workers.

    A scenario whose worker is lost (the worker process died, the scheduler cancelled the task)
    is submitted again, at most ``retries`` times, to whatever worker is alive (the model is
    scattered again when its copies were lost with the workers); then it is recorded as failed
    with ``WorkerLost`` and the number of attempts. Errors of the scenario itself are never
    retried.
    """
    from distributed import as_completed

    own = isinstance(executor, str)
    client = _connect(executor) if own else executor
    futures: list[Any] = []
    run_id = uuid.uuid4().hex[:12]

    def submit(i: int, attempt: int, model_f) -> Any:
        key = f"khoan-batch-{run_id}-{i}" + (f"-retry{attempt - 1}" if attempt > 1 else "")
        return client.submit(_dask_task, (i, items[i]), model=model_f, fn=fn, key=key, pure=False)

    try:
        model_f = client.scatter(model, broadcast=True, hash=False)
        futures = client.map(
            _dask_task,
            [(i, items[i]) for i in todo],
            model=model_f,
            fn=fn,
            key=[f"khoan-batch-{run_id}-{i}" for i in todo],
            pure=False,
        )
        index_of = {f.key: i for f, i in zip(futures, todo, strict=True)}
        attempts = dict.fromkeys(todo, 1)
        done = as_completed(futures)
        for fut in done:
            i = index_of.pop(fut.key)
            if fut.status == "finished":
                c = fut.result()
            else:
                lost, exc = _lost(fut)
                if lost and attempts[i] <= retries:
                    attempts[i] += 1
                    if model_f.status != "finished":  # its copies died with the workers
                        model_f = client.scatter(model, broadcast=True, hash=False)
                    nf = submit(i, attempts[i], model_f)
                    futures.append(nf)
                    index_of[nf.key] = i
                    done.add(nf)
                    fut.release()
                    continue
                if lost:
                    detail = f" ({type(exc).__name__}: {exc})" if exc is not None else ""
                    exc = KhoanError(
                        f"WorkerLost: the Dask worker running this scenario was lost or its task "
                        f"cancelled, {attempts[i]} attempt(s){detail}"
                    )
                c = {"scenarios": [failed_payload(i, names[i], exc)], "parts": {}}
                if lost:
                    c["scenarios"][0]["error"] = str(exc)
            p = c["scenarios"][0]
            p["attempts"] = attempts[i]
            fut.release()
            record(c)
            update(p)
        n = len(client.scheduler_info(n_workers=-1).get("workers", {})) or 1
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel(futures)
        raise
    finally:
        if own:
            client.close()
    return n
