"""Chunks of a batch: several scenarios' tables in one Parquet file, read back unchanged."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from test_batch import FakeResult, FakeScenario, fake_simulate

from khoan.batch import run_batch
from khoan.batch.chunks import ChunkEncoder, TableRef, read_table
from khoan.batch.store import read_parquet
from khoan.errors import KhoanError


def _variants() -> list[pd.DataFrame]:
    """Tables a scenario function may return, one after the other into the same chunk."""
    years = pd.Index(np.arange(2016, 2019, dtype=np.int64), name="year")
    base = pd.DataFrame({"a": np.array([1, 2, 3], np.int64), "b": [0.5, np.nan, 2.0]}, index=years)
    return [
        base,
        base.iloc[:0],  # no rows
        base * 2,  # same schema: same part, next row group
        base.assign(c=np.array([True, False, True])),  # one more column: another part
        pd.DataFrame({"id": ["x", None, "z"], "n": np.arange(3)}),  # object column, RangeIndex
        pd.DataFrame({"id": pd.Series([], dtype=object), "n": np.arange(0)}),  # empty object
        pd.DataFrame({"id": ["u"], "n": [7]}, index=pd.RangeIndex(5, 6, name="row")),
        pd.DataFrame({"n": np.arange(4)}, index=pd.RangeIndex(10, 18, 2)),
        pd.DataFrame(
            {
                "commune": pd.array(["Xã 1", None], dtype="str"),
                "kind": pd.Categorical(["early", "early"]),
                "leave_date": pd.to_datetime(["2017-07-01", None]).as_unit("ns"),
                "money": pd.array([1, None], dtype="Int64"),
            }
        ),
        pd.DataFrame({"id": ["q", "r"], "n": np.arange(2)}),  # the 5th's part, fewer rows
    ]


def test_chunk_tables_read_back_equal_to_what_was_added():
    enc = ChunkEncoder()
    tables = _variants()
    locs = [enc.add("t", df) for df in tables]
    parts = enc.finish()
    assert locs[0] == {"part": "t", "offset": 0, "rows": 3}
    assert locs[1] == {"part": "t", "offset": 3, "rows": 0}
    assert locs[2] == {"part": "t", "offset": 3, "rows": 3}  # same schema: after the first
    assert locs[3]["part"] != "t" and locs[9]["part"] == locs[4]["part"]
    for df, loc in zip(tables, locs, strict=True):
        back = read_table(TableRef(parts[loc["part"]], loc["offset"], loc["rows"]))
        pd.testing.assert_frame_equal(back, df)
        # the same as one Parquet file per table (the layout before chunks)
        pd.testing.assert_frame_equal(back, read_parquet(_single(df)))


def _single(df: pd.DataFrame) -> bytes:
    from khoan.batch.store import parquet_bytes

    return parquet_bytes(df)


def test_categories_of_each_table_are_kept():
    """Categorical columns: categories belong to a file, so such tables are not mixed."""
    enc = ChunkEncoder()
    a = pd.DataFrame({"kind": pd.Categorical(["early", "early"]), "n": [1, 2]})
    b = pd.DataFrame({"kind": pd.Categorical(["resign", "resign"]), "n": [3, 4]})
    la, lb = enc.add("t", a), enc.add("t", b)
    parts = enc.finish()
    assert la["part"] != lb["part"]
    for df, loc in ((a, la), (b, lb)):
        back = read_table(TableRef(parts[loc["part"]], loc["offset"], loc["rows"]))
        pd.testing.assert_frame_equal(back, df)


def test_chunk_bytes_depend_only_on_the_tables():
    def encode():
        enc = ChunkEncoder()
        for df in _variants():
            enc.add("t", df)
        return enc.finish()

    assert encode() == encode()


def _reference_chunk(tables: list[pd.DataFrame]) -> dict[str, bytes]:
    """The slow path: every table through ``from_pandas``, grouped into parts as the encoder
    does (schema, and pandas metadata but for a RangeIndex's stop), each part's tables
    concatenated with the first one's metadata."""
    import pyarrow as pa

    from khoan.batch.chunks import ROW_GROUP_ROWS
    from khoan.batch.store import PARQUET_OPTIONS, range_free

    parts: list[tuple[bytes, pa.Schema, list[pa.Table]]] = []
    for k, df in enumerate(tables):
        at = pa.Table.from_pandas(df, preserve_index=None)
        key = range_free(at.schema.metadata[b"pandas"])
        if any(pa.types.is_dictionary(f.type) for f in at.schema):
            key += b"#%d" % k
        for pkey, schema, ts in parts:
            if pkey == key and schema.equals(at.schema, check_metadata=False):
                ts.append(at.replace_schema_metadata(ts[0].schema.metadata))
                break
        else:
            parts.append((key, at.schema, [at]))
    out = {}
    for j, (_, _, ts) in enumerate(parts):
        buf = pa.BufferOutputStream()
        pq.write_table(pa.concat_tables(ts), buf, row_group_size=ROW_GROUP_ROWS, **PARQUET_OPTIONS)
        out["t" if j == 0 else f"t-{j}"] = buf.getvalue().to_pybytes()
    return out


def test_chunk_bytes_are_those_of_the_from_pandas_tables_concatenated():
    """Tables kept as column arrays and converted once per chunk (the fast path, after the
    first table of each dtype signature) give the bytes of the slow path."""
    from khoan.batch import store

    store._ENCODINGS.clear()
    tables = _variants() * 3  # the first round fills the encodings, the next ones use them
    tables += [t.iloc[1:] for t in _variants()]  # fewer rows, same dtypes
    enc = ChunkEncoder()
    for df in tables:
        enc.add("t", df)
    assert enc.finish() == _reference_chunk(tables)
    assert any(e is not None for e in store._ENCODINGS.values())


def test_a_part_of_empty_tables_has_the_bytes_of_its_own_encoding():
    """The bytes of a part holding only empty tables are reused for an equal schema: they are
    those the writer gives, and a different schema (columns, metadata) is written anew."""
    from khoan.batch import chunks

    chunks._EMPTY_PARTS.clear()
    a = pd.DataFrame({"id": pd.Series([], dtype=object), "n": pd.Series([], dtype=object)})
    b = pd.DataFrame({"id": pd.Series([], dtype=object), "m": pd.Series([], dtype=object)})
    full = pd.DataFrame({"id": ["x", "y"], "n": [1, 2]})
    seqs = [[a], [a, a], [a], [b], [a, full, a], [a, a]]
    for tables in seqs:
        enc = ChunkEncoder()
        for df in tables:
            enc.add("t", df)
        assert enc.finish() == _reference_chunk(tables)
    assert len(chunks._EMPTY_PARTS) == 3  # a once, a twice, b


def test_simulate_tables_chunked_as_from_pandas(model):
    """Real scenario tables (int and string columns, dated leavers, empty leavers)."""
    from khoan.scenarios import Scenario, Target, simulate

    results = [
        simulate(
            model,
            Scenario(f"t{k}", years=(2016, 2020), regime="nd108", target=Target(share=s), policy=p),
        )
        for k, (s, p) in enumerate(
            [(0.01, "early_retirement"), (0.0, "resignation"), (0.02, "resignation")] * 2
        )
    ]
    for t in ("by_year", "by_commune", "leavers"):
        tables = [getattr(r, t) for r in results]
        enc = ChunkEncoder()
        locs = [enc.add("t", df) for df in tables]
        parts = enc.finish()
        assert parts == _reference_chunk(tables), t
        for df, loc in zip(tables, locs, strict=True):
            back = read_table(TableRef(parts[loc["part"]], loc["offset"], loc["rows"]))
            pd.testing.assert_frame_equal(back, df)


def test_rows_beyond_the_chunk_file_are_refused(tmp_path):
    enc = ChunkEncoder()
    loc = enc.add("t", _variants()[0])
    data = enc.finish()["t"]
    with pytest.raises(KhoanError, match="does not hold rows 0–4"):
        read_table(TableRef(data, loc["offset"], loc["rows"] + 1))


def varying_simulate(model, scenario):
    """A user function whose tables differ in columns and dtypes between scenarios."""
    res = fake_simulate(model, scenario)
    k = int(scenario.target * 100)
    by_year = res.by_year.assign(**{f"extra_{k}": np.arange(len(res.by_year)) * k})
    leavers = res.leavers if k % 2 else res.leavers.iloc[:0]
    return FakeResult(by_year, None if k == 5 else res.by_commune, leavers, res.summary(), {})


def test_tables_that_differ_between_scenarios_are_stored_and_read_back(model, tmp_path):
    scs = [FakeScenario(f"s{k}", target=k / 100) for k in (1, 2, 5, 3)]
    res = run_batch(model, scs, tmp_path, progress=False, fn=varying_simulate)
    assert res.ok
    for s in scs:
        direct = varying_simulate(model, s)
        stored = res.results[s.name]
        for t in ("by_year", "by_commune", "leavers"):
            if getattr(direct, t) is None:
                assert getattr(stored, t) is None
            else:
                pd.testing.assert_frame_equal(getattr(stored, t), getattr(direct, t))
    # reused from the files on a rerun: the same tables
    again = run_batch(model, scs, tmp_path, progress=False, fn=varying_simulate)
    assert again.provenance["counts"]["reused"] == 4
    for s in scs:
        pd.testing.assert_frame_equal(again.results[s.name].by_year, res.results[s.name].by_year)
    man = json.loads((tmp_path / "manifest.json").read_text())["scenarios"]
    by_year = {man[s.name]["files"]["by_year"]["path"] for s in scs}
    assert len(by_year) == 4  # four column sets: four parts of one chunk
    assert "by_commune" not in man["s5"]["files"]


def test_a_chunk_holds_its_scenarios_rows_one_after_the_other(model, tmp_path, monkeypatch):
    from khoan.batch import run as run_module

    monkeypatch.setattr(run_module, "CHUNK_SIZE", 10)
    scs = [FakeScenario(f"s{i}", target=i / 100) for i in range(12)]
    res = run_batch(model, scs, tmp_path, progress=False, fn=fake_simulate)
    files = sorted((tmp_path / "chunks").glob("*.parquet"))
    assert len(files) == 6  # two chunks (10 + 2) × three tables
    by_year = [f for f in files if ".by_year." in f.name]
    assert sorted(pq.ParquetFile(f).metadata.num_rows for f in by_year) == [2 * 5, 10 * 5]
    offsets = [res._entries[s.name]["files"]["by_year"]["offset"] for s in scs]
    assert offsets == [5 * i for i in range(10)] + [0, 5]
    assert len(list((tmp_path / "chunks").glob("*.json"))) == 2  # a record per chunk


@pytest.fixture(scope="module")
def model():
    from khoan import examples

    return examples.load("khanh_hoa_2016")


def test_a_folder_of_the_earlier_layout_is_refused_with_what_to_do(model, tmp_path):
    old = tmp_path / "old"
    (old / "scenarios" / "a").mkdir(parents=True)
    (old / "scenarios" / "a" / "entry.json").write_text("{}")
    with pytest.raises(KhoanError, match=r"earlier version of khoan.*another output folder"):
        run_batch(model, [FakeScenario("a")], old, progress=False, fn=fake_simulate)
    (old / "manifest.json").write_text(json.dumps({"format": "khoan-batch/1", "scenarios": {}}))
    with pytest.raises(KhoanError, match=str(old)):
        run_batch(model, [FakeScenario("a")], old, progress=False, fn=fake_simulate)
    assert sorted(p.name for p in old.iterdir()) == [
        ".khoan-batch.lock",
        "manifest.json",
        "scenarios",
    ]


def test_a_serial_chunk_also_closes_after_its_time(model, tmp_path, monkeypatch):
    """A slow model's chunk is committed after CHUNK_SECONDS, not after CHUNK_SIZE scenarios
    (a kill then loses little work)."""
    from khoan.batch import run as run_module

    monkeypatch.setattr(run_module, "CHUNK_SECONDS", 0.0)  # every scenario its own chunk
    scs = [FakeScenario(f"s{i}") for i in range(3)]
    res = run_batch(model, scs, tmp_path, progress=False, fn=fake_simulate)
    assert res.ok
    assert len(list((tmp_path / "chunks").glob("*.json"))) == 3
