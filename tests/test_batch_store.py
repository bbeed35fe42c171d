"""Batch files: Parquet encoding (the bytes of from_pandas), the manifest written from threads."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from khoan import batch
from khoan.batch import store


def _reference_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(df, preserve_index=None), buf, **store._PARQUET_OPTIONS)
    return buf.getvalue()


def _tables(n: int) -> dict[str, pd.DataFrame]:
    """Tables shaped like simulate's: an int year index, string/date/float columns with gaps."""
    years = pd.Index(np.arange(2016, 2016 + n, dtype=np.int64), name="year")
    rng = np.random.default_rng(n)
    money = rng.integers(-(10**12), 10**12, size=n, dtype=np.int64)
    return {
        "by_year": pd.DataFrame({"lump_sum": money, "hires": np.arange(n) * 3}, index=years),
        "by_commune": pd.DataFrame(
            {
                "commune": pd.array([f"Xã {i}" if i % 3 else None for i in range(n)], dtype="str"),
                "year": np.arange(n, dtype=np.int64) + 2016,
                "share": np.where(np.arange(n) % 2 == 0, np.nan, 0.25 * np.arange(n)),
                "kept": np.arange(n) % 2 == 0,
                "leave_date": pd.to_datetime(["2017-07-01"] * n).as_unit("ns"),
            }
        ),
    }


@pytest.mark.parametrize("kind", ["by_year", "by_commune"])
def test_fast_path_bytes_equal_from_pandas(kind):
    store._ENCODINGS.clear()
    for n in (5, 1, 7, 0, 12):  # first call fills the cache, the others use it
        df = _tables(n)[kind]
        data = store.parquet_bytes(df)
        assert data == _reference_bytes(df), (kind, n)
        back = store.read_parquet(data)
        pd.testing.assert_frame_equal(back, df)
    (enc,) = store._ENCODINGS.values()
    assert enc is not None  # the fast path was used after the first table


def test_range_index_stop_follows_the_rows():
    store._ENCODINGS.clear()
    store.parquet_bytes(_tables(3)["by_commune"])
    df = _tables(9)["by_commune"]
    meta = store.arrow_table(df).schema.pandas_metadata
    assert meta["index_columns"] == [
        {"kind": "range", "name": None, "start": 0, "stop": 9, "step": 1}
    ]


def test_object_columns_take_from_pandas():
    """An ``object`` column's Arrow type depends on its values: never cached."""
    store._ENCODINGS.clear()
    empty = pd.DataFrame({"id": pd.Series([], dtype=object), "total": pd.Series([], dtype=object)})
    mixed = pd.DataFrame({"id": ["a", "b"], "total": pd.Series([1, 2], dtype=object)})
    for df in (empty, mixed, empty):
        assert store.parquet_bytes(df) == _reference_bytes(df)
    assert store._ENCODINGS and set(store._ENCODINGS.values()) == {None}


def test_empty_tables_converted_once_per_signature_as_from_pandas():
    """An empty table's Arrow conversion is cached per signature and column level names:
    the cached table is what ``from_pandas`` gives for each of them (schema, metadata)."""
    store._EMPTY.clear()
    cols = {"id": pd.Series([], dtype=object), "total": pd.Series([], dtype=object)}
    named = pd.DataFrame(cols)
    named.columns.name = "field"
    frames = [pd.DataFrame(cols), pd.DataFrame(cols), named, named.copy(), pd.DataFrame(cols)]
    for df in frames:
        got = store.arrow_table(df)
        ref = pa.Table.from_pandas(df, preserve_index=None)
        assert got.equals(ref, check_metadata=True)
        assert store.parquet_bytes(df) == _reference_bytes(df)
    assert len(store._EMPTY) == 2  # one per column level name, reused for the others
    # a table with rows and the same columns is not the empty one
    full = pd.DataFrame({"id": ["a"], "total": pd.Series([1], dtype=object)})
    assert store.parquet_bytes(full) == _reference_bytes(full)


def test_a_signature_whose_fast_path_differs_is_not_cached(monkeypatch):
    store._ENCODINGS.clear()
    df = _tables(4)["by_year"]
    monkeypatch.setattr(store._Encoding, "metadata", lambda self, n: b'{"wrong": 1}')
    assert store.parquet_bytes(df) == _reference_bytes(df)
    assert list(store._ENCODINGS.values()) == [None]
    assert store.parquet_bytes(df) == _reference_bytes(df)  # slow path again, same bytes


def test_provenance_json_reuses_an_equal_reference_list_only():
    import datetime as dt

    from khoan._canonical import jsonable
    from khoan.batch import executors

    refs = [{"key": "a.b", "reference": "NĐ 108/2014/NĐ-CP", "confidence": "confirmed"}]
    first = {"parameters": refs, "horizon": dt.date(2020, 12, 31), "n": np.int64(3)}
    second = {"parameters": [dict(r) for r in refs], "horizon": dt.date(2021, 1, 1)}
    assert executors._provenance_json(first) == jsonable(first)
    out = executors._provenance_json(second)
    assert out == jsonable(second)
    assert out["parameters"] is executors._REFERENCES[1]  # the earlier conversion, reused
    dated = {"parameters": [{"key": "a.b", "from": dt.date(2016, 1, 1)}]}  # not plain JSON
    assert executors._provenance_json(dated) == jsonable(dated)
    again = {"parameters": [{"key": "a.b", "from": dt.date(2017, 1, 1)}]}
    assert executors._provenance_json(again) == {
        "parameters": [{"key": "a.b", "from": "2017-01-01"}]
    }


def test_manifest_updates_from_several_threads(tmp_path):
    """Every entry recorded by any writer thread is in the manifest after the final flush."""
    import json
    import threading

    from khoan.batch.manifest import ManifestWriter, read_manifest

    refs = [{"key": "a.b", "reference": "NĐ 108/2014/NĐ-CP", "confidence": "confirmed"}]
    w = ManifestWriter(tmp_path, {"format": batch.MANIFEST_FORMAT, "runner": "r"}, {}, {})
    assert not w.dirty

    def work(k: int) -> None:
        for i in range(k, 200, 4):
            w.update(f"s{i:03d}", {"index": i, "status": "ok", "provenance": {"parameters": refs}})

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    w.flush()
    assert not w.dirty
    entries, stored_refs = read_manifest(tmp_path)
    assert list(entries) == [f"s{i:03d}" for i in range(200)]  # in index order
    assert [e["index"] for e in entries.values()] == list(range(200))
    (h,) = stored_refs
    assert stored_refs[h] == refs
    assert {e["provenance"]["parameters"] for e in entries.values()} == {
        f"#/parameter_references/{h}"
    }
    text = (tmp_path / "manifest.json").read_text("utf-8")
    assert len(text.splitlines()) == 200 + 5  # one line per scenario, five around them
    assert json.loads(text)["runner"] == "r"


def test_workers_are_forked_only_from_a_process_without_threads(monkeypatch):
    """fork copies one thread: with a writer thread or a progress monitor alive (or Jupyter's),
    a forked worker could inherit a lock held forever, so the forkserver is used instead."""
    import sys

    from khoan.batch import executors

    monkeypatch.setattr(executors.threading, "active_count", lambda: 1)
    single = executors._mp_context(executors.execute).get_start_method()
    monkeypatch.setattr(executors.threading, "active_count", lambda: 2)
    threaded = executors._mp_context(executors.execute).get_start_method()
    assert threaded == "forkserver"
    forks = sys.platform == "linux" and sys.version_info < (3, 12)
    assert single == ("fork" if forks else "forkserver")


def test_manifest_points_to_the_entry_for_equal_scenario_and_overrides(tmp_path):
    from khoan.batch.manifest import ManifestWriter

    w = ManifestWriter(tmp_path, {"format": batch.MANIFEST_FORMAT}, {}, {})
    overrides = [{"key": "norms.provincial.per_post", "new": 28_000_000}]
    sc = {"name": "a", "years": [2016, 2020]}
    entry = {
        "scenario": sc,
        "overrides": overrides,
        "provenance": {"scenario": dict(sc), "overrides": [dict(o) for o in overrides], "n": 1},
    }
    got = w.compact(entry)
    assert got["provenance"] == {
        "scenario": "#/scenarios/<name>/scenario",
        "overrides": "#/scenarios/<name>/overrides",
        "n": 1,
    }
    assert got["overrides"] == overrides and entry["provenance"]["overrides"] == overrides
    other = {**entry, "overrides": []}  # differs from the provenance's: kept whole
    assert w.compact(other)["provenance"]["overrides"] == overrides


def test_column_arrays_are_the_columns_pandas_gives():
    from khoan._frames import column_arrays, public_column_arrays

    """Read from the blocks: the same arrays, in column order, whatever the block layout."""
    df = pd.DataFrame(
        {
            "a": np.arange(4, dtype=np.int64),
            "s": pd.array(["x", None, "z", "w"], dtype="str"),
            "b": np.linspace(0, 1, 4),
            "d": pd.to_datetime(["2017-07-01", None, "2018-01-01", "2019-01-01"]).as_unit("ns"),
            "c": np.arange(4, dtype=np.int64) * 3,  # a second int column: same block as "a"?
            "k": pd.Categorical(["p", "q", "p", "q"]),
            "m": pd.array([1, None, 3, 4], dtype="Int64"),
        }
    )
    df["late"] = np.arange(4, dtype=np.int64)  # an unconsolidated block
    df.insert(1, "front", np.ones(4))
    for frame in (df, df.copy(), df[["c", "a", "late"]], df.iloc[:0]):
        want = list(frame._iter_column_arrays())
        for got in (column_arrays(frame), public_column_arrays(frame)):
            _same_arrays(got, want, frame.shape[1])


def _same_arrays(got, want, n):
    assert len(got) == len(want) == n
    for g, w in zip(got, want, strict=True):
        assert type(g) is type(w) and g.dtype == w.dtype
        if isinstance(g, np.ndarray):
            np.testing.assert_array_equal(g, w)
        else:
            pd.testing.assert_extension_array_equal(g, w)


def test_a_chunk_record_from_the_encoded_lines_is_the_json_of_the_record():
    import json

    from khoan.batch.manifest import ManifestWriter

    entries = {
        "a": {"index": 0, "summary": {"total": 1_000, "share": 0.5}, "note": "Xã Tân Lập"},
        'b "q"': {"index": 1, "timings": {"write_s": 0.001}, "list": [1, None, True]},
    }
    refs = {"abc": [{"key": "a.b", "reference": "NĐ 108/2014/NĐ-CP"}]}
    lines = ManifestWriter.lines(entries)
    for names in (list(entries), []):
        text = ManifestWriter.record_text("c1", [lines[n] for n in names], refs)
        record = {
            "format": batch.MANIFEST_FORMAT,
            "chunk": "c1",
            "scenarios": {n: entries[n] for n in names},
            "parameter_references": refs,
        }
        assert text == json.dumps(record, ensure_ascii=False, allow_nan=False)
