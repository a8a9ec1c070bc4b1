"""What one input file may cost, whatever its format: decoded records and bytes are capped, a Parquet file is
measured as it decodes (its own metadata is not trusted), and a path that is not a regular file is refused
instead of read forever."""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lib.core.errors import IngestError
from lib.reading.formats import read_bytes, read_path, tabular

ROOT = Path(__file__).resolve().parents[2]


def dictionary_bomb(rows: int, width: int) -> bytes:
    """A tiny Parquet file whose one title, stored once in its dictionary, is used by every row."""
    title = pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()), pa.array(["a" * width]))
    out = io.BytesIO()
    pq.write_table(pa.table({"title": title}), out, compression="zstd", row_group_size=rows)
    return out.getvalue()


def test_a_parquet_file_of_a_few_hundred_bytes_that_spells_out_gigabytes_is_refused_early():
    data = dictionary_bomb(rows=17_000, width=100_000)  # 1.7 GB of titles
    assert len(data) < 1000
    assert pq.ParquetFile(io.BytesIO(data)).metadata.row_group(0).total_byte_size < 2**20  # what it claims
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(IngestError, match=r"^bomb\.parquet: its data unpacks to [\d,]+ MB or more, over the 400 MB"):
        read_bytes(data, "bomb.parquet")
    assert time.perf_counter() - started < 20
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 900, grown_mb  # the cap plus one batch, not the 1.7 GB the file spells out


def test_metadata_that_admits_a_huge_row_group_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_DECODED_BYTES", 10_000)
    out = io.BytesIO()
    pq.write_table(pa.table({"title": [f"Paper number {i} about pruning" for i in range(2000)]}), out)
    with pytest.raises(IngestError, match="over the 0 MB limit"):
        read_bytes(out.getvalue(), "big.parquet")


def test_a_small_parquet_file_still_reads():
    out = io.BytesIO()
    pq.write_table(pa.table({"title": ["A", "B"], "abstract": ["x", "y"]}), out)
    assert [r.title for r in read_bytes(out.getvalue(), "ok.parquet").records] == ["A", "B"]


@pytest.mark.parametrize(
    "name, content",
    [
        ("many.csv", "title\n" + "".join(f"Paper {i}\n" for i in range(120))),
        ("many.jsonl", "".join(f'{{"title": "Paper {i}"}}\n' for i in range(120))),
        ("many.ris", "".join(f"TY  - JOUR\nTI  - Paper {i}\nER  - \n" for i in range(120))),
        ("many.bib", "".join(f"@article{{k{i}, title = {{Paper {i}}}}}\n" for i in range(120))),
    ],
)
def test_every_reader_is_capped_on_records(monkeypatch, name, content):
    monkeypatch.setattr(tabular, "MAX_RECORDS", 100)
    with pytest.raises(IngestError, match=rf"^{name}: more than 100 records; split the file$"):
        read_bytes(content.encode(), name)


def test_every_reader_is_capped_on_decoded_text(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_DECODED_BYTES", 5_000)
    text = "".join(f"TY  - JOUR\nTI  - Paper {i}\nAB  - {'words ' * 40}\nER  - \n" for i in range(30))
    with pytest.raises(IngestError, match="over the 0 MB limit"):
        read_bytes(text.encode(), "long.ris")


def test_a_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "papers.csv"
    os.mkfifo(fifo)
    with pytest.raises(IngestError, match=r"^papers\.csv: not a regular file"):
        read_path(fifo)


def test_the_command_line_names_a_fifo_and_a_bad_out_folder_without_a_traceback(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    good = ROOT / "tests" / "data" / "formats" / "papers.csv"
    blocker = tmp_path / "taken"
    blocker.write_text("a file where the output folder should be")
    command = [sys.executable, "-m", "lib.build", str(fifo), str(good), "--quiet", "--out", str(blocker)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "papers.parquet: cannot write it (File exists) in" in done.stderr
    done = subprocess.run(command[:-1] + [str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "error: pipe.csv: not a regular file" in done.stderr
