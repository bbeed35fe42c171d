"""Many scenarios at once: in process, on local cores, or on a Dask cluster.

``run_batch(model, scenarios, out=...)`` runs every scenario through
:func:`khoan.scenarios.simulate` and collects one summary row per scenario in a
:class:`BatchResult`. With an output folder it also writes, for each scenario, its tables as
Parquet and its provenance in ``manifest.json``, so that a rerun into the same folder only
computes what is missing or has changed::

    out/
      manifest.json                  provenance of every scenario (inputs, status, timings, errors;
                                     one line of JSON per scenario)
      summary.csv                    one row per scenario (byte-identical for the same inputs)
      summary.xlsx                   the same table as a workbook
      scenarios/<safe name>/         by_year.parquet, by_commune.parquet, leavers.parquet,
                                     entry.json (the scenario's own copy of its manifest entry)

Guarantees
----------
- **Atomic files.** Every file is written to a temporary file in the same folder (suffix
  ``.khoan-tmp``), flushed with ``fsync`` and moved into place with ``os.replace``. A Ctrl-C or a
  SIGKILL can leave a temporary file behind, never a truncated result; temporary files are never
  read and are removed by the next run.
- **Reproducible bytes.** The same inputs give byte-identical Parquet, CSV and workbook files
  whatever the executor and however many reruns it took: Parquet carries no timestamp, columns
  and rows come in a fixed order, and timings and how the run went live only in the manifest.
- **Resume.** A scenario is skipped when its manifest entry is ``ok``, its files are present
  with the recorded SHA-256, and its inputs are unchanged: khoan version, model digest
  (:meth:`khoan.Model.digest`), parameter digest, scenario digest (SHA-256 of its canonical
  JSON) and the function that ran it. Anything else is computed again. The manifest is
  written less often than the scenario files: a scenario it does not list yet (a run killed
  in between) is adopted from its ``entry.json`` when its inputs match and its files' sizes
  and SHA-256 verify.
- **Isolation.** A scenario that raises is recorded as ``failed`` with its error and traceback;
  the others finish.
- **Safe file names.** Scenario names become folder names only through :func:`safe_name`.

Modules
-------
``naming``     safe folder names, scenario digests (canonical JSON: :mod:`khoan._canonical`)
``store``      Parquet tables per scenario, atomic writes, the folder lock, the summary table
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
    (inherited, not sent, when the workers are forked: see :func:`run_batch`).
``dask.distributed.Client`` or a scheduler address (``"tcp://host:8786"``)
    The model is scattered once to every worker (``broadcast=True``), scenarios are mapped with
    ``client.map`` and collected with ``as_completed``. Workers return the encoded Parquet bytes,
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
