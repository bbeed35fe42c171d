"""Many scenarios at once: in process, on local cores, or on a Dask cluster.

``run_batch(model, scenarios, out=...)`` runs every scenario through
:func:`khoan.scenarios.simulate` and collects one summary row per scenario in a
:class:`BatchResult`. With an output folder it also writes the scenarios' tables as Parquet
and their provenance in ``manifest.json``, so that a rerun into the same folder only computes
what is missing or has changed::

    out/
      manifest.json                  provenance of every scenario (inputs, status, timings,
                                     errors; where its tables are), one line of JSON each
      summary.csv                    one row per scenario (byte-identical for the same inputs)
      summary.xlsx                   the same table as a workbook
      chunks/<chunk>.by_year.parquet     the tables of a chunk of scenarios (up to 50 run one
      chunks/<chunk>.by_commune.parquet  after the other or 5 s of work; a worker task of up
      chunks/<chunk>.leavers.parquet     to 10), one file per table, their rows in sequence
      chunks/<chunk>.json            the chunk record: the entries of its finished scenarios

A manifest entry's ``files`` gives, per table, the chunk file (path, bytes, SHA-256) and the
scenario's rows in it (``offset``, ``rows``); :class:`StoredResult` reads them back equal to
the tables the scenario function returned (columns, dtypes, index). Tables whose columns or
dtypes differ from the chunk's first go to a file of their own (``<chunk>.<table>-1.parquet``).
Scenario names never become file names: a chunk is named by a hash of its scenarios' names
and inputs. A folder written by khoan before chunks (``scenarios/<name>/``, manifest format
``khoan-batch/1``) is refused with a message saying what to do.

Guarantees
----------
- **Atomic files.** Every file is written to a temporary file in the same folder (suffix
  ``.khoan-tmp``), flushed with ``fsync`` and moved into place with ``os.replace``; the
  ``chunks`` folder is synced once per chunk, after its record. A Ctrl-C or a SIGKILL can
  leave a temporary file behind, never a truncated result; temporary files are never read and
  are removed by the next run. A kill loses at most the chunks in flight (a Ctrl-C of a
  serial run keeps the scenarios of the current chunk that finished).
- **Reproducible results.** The same inputs give the same tables (read back) whatever the
  executor and however many reruns it took, and byte-identical ``summary.csv`` and
  ``summary.xlsx``; the same batch run the same way (serially, say) writes byte-identical
  Parquet files under the same names. Parquet carries no timestamp, columns and rows come in a
  fixed order, and timings and how the run went live only in the manifest.
- **Resume.** A scenario is skipped when its manifest entry is ``ok``, its chunk files are
  present with the recorded SHA-256, and its inputs are unchanged: khoan version, model digest
  (:meth:`khoan.Model.digest`), parameter digest, scenario digest (SHA-256 of its canonical
  JSON) and the function that ran it. Anything else is computed again (a damaged chunk file:
  the scenarios of that chunk). The manifest is written less often than the chunks (at most
  once a second during a run, and at the end): a scenario it does not list yet (a run killed
  in between) is adopted from its chunk's record when its inputs match and its files' sizes
  and SHA-256 verify. Chunk files that no entry uses any more are removed at the end of a run.
- **Isolation.** A scenario that raises is recorded as ``failed`` with its error and traceback;
  the others finish.
- **Safe file names.** Scenario names never name a file (:func:`safe_name` remains for
  callers that need a file-system-safe form of one).

Modules
-------
``naming``     safe folder names, scenario digests (canonical JSON: :mod:`khoan._canonical`)
``store``      Arrow encoding of a table, the writer threads, the folder lock, the summary table
``chunks``     the tables of a chunk of scenarios in one Parquet file per table; reading back
``manifest``   ``manifest.json``: provenance, and what a rerun may reuse
``executors``  in process, local processes, Dask
``result``     :class:`BatchResult` (table, stored results, plots, workbook)
``run``        :func:`run_batch`

The grid grammar of batch files is the one of every scenario file
(:func:`khoan.scenarios.load_scenarios`); the ``khoan run`` command lives in :mod:`khoan.cli`.

Executors
---------
``None``
    In this process, one scenario after the other.
``"processes"``
    A :class:`concurrent.futures.ProcessPoolExecutor` of ``jobs`` workers (default
    ``os.cpu_count()``); the model is sent once per worker through the pool's initializer
    (inherited, not sent, when the workers are forked: see :func:`run_batch`). A task is a
    chunk of scenarios; the worker returns the chunk's encoded Parquet files.
``dask.distributed.Client`` or a scheduler address (``"tcp://host:8786"``)
    The model is scattered once to every worker (``broadcast=True``), scenarios are mapped with
    ``client.map`` (one scenario per task, a chunk of one) and collected with
    ``as_completed``. Workers return the encoded Parquet bytes,
    so the output folder only has to exist on the client's machine. A scenario whose worker is
    lost is submitted again (``retries`` times), then recorded as failed (``WorkerLost``); an
    address where no scheduler answers fails within seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._files import TMP_SUFFIX, atomic_write_bytes
from ..scenarios.files import load_scenarios
from ..scenarios.grid import grid
from .manifest import MANIFEST, MANIFEST_FORMAT
from .naming import safe_name, scenario_digest
from .result import BatchResult, StoredResult
from .run import run_batch
from .store import TABLES

__all__ = [
    "MANIFEST",
    "MANIFEST_FORMAT",
    "TABLES",
    "TMP_SUFFIX",
    "BatchResult",
    "StoredResult",
    "atomic_write_bytes",
    "grid",
    "load_batch_scenarios",
    "run_batch",
    "safe_name",
    "scenario_digest",
]


def load_batch_scenarios(path: str | Path) -> list[Any]:
    """Scenarios of a scenario file (a list and/or a grid) or of a model folder, as a list.

    The same grammar as :func:`khoan.scenarios.load_scenarios` (errors name file and line).
    """
    return list(load_scenarios(path).values())
