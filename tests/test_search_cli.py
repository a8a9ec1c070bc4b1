"""`python -m lib.search`: searching a collection that `python -m lib.build --out DIR` wrote, as a person types it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "a small student network learning to imitate a large teacher network"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("search-cli") / "built"
    done = run("lib.build", str(ROOT / "data" / "raw"), "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def built_without_distillation(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("search-cli-taxonomy")
    text = (ROOT / "data" / "themes.toml").read_text(encoding="utf-8")
    head, *blocks = text.split("\n[[theme]]\n")
    kept = [b for b in blocks if not b.startswith('id = "distillation"')]
    assert len(kept) == len(blocks) - 1
    (folder / "themes.toml").write_text("\n[[theme]]\n".join([head, *kept]), encoding="utf-8")
    out = folder / "built"
    args = ("lib.build", str(ROOT / "data" / "raw"), "--out", str(out), "--taxonomy", str(folder / "themes.toml"))
    done = run(*args, "--quiet")
    assert done.returncode == 0, done.stderr
    return out


def test_a_readable_table_per_query(built):
    done = run("lib.search", QUESTION, "diffusion models for images", "--collection", str(built), "--top", "5")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == QUESTION
    assert lines[1].split() == ["rank", "score", "title", "themes"]
    first = lines[2].split()
    assert first[0] == "1" and float(first[1]) > 0
    assert "Knowledge distillation" in done.stdout
    second = lines.index("diffusion models for images")
    assert len([line for line in lines[second + 2 :] if line.strip()]) == 5


def test_json_lines_in_the_order_asked(built):
    queries = [QUESTION, "zzzqqq", "", "pruning channels"]
    done = run("lib.search", *queries, "--collection", str(built), "--json", "--top", "3")
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["query"] for a in answers] == queries
    first = answers[0]["hits"]
    assert len(first) == 3 and set(first[0]) == {"paper_id", "title", "score"}
    assert [h["score"] for h in first] == sorted((h["score"] for h in first), reverse=True)
    assert answers[1]["hits"] == [] and answers[1]["note"] == "none of these words occur in the collection"
    assert answers[2] == {"query": "", "hits": []}
    assert any("prun" in h["title"].lower() for h in answers[3]["hits"])


@pytest.mark.parametrize("mode, query, word", [("exact", "knowledge distillation", "knowledge distillation"),
                                               ("fuzzy", "knowlege distilation", "distillation")])  # fmt: skip
def test_the_other_modes(built, mode, query, word):
    done = run("lib.search", query, "--collection", str(built), "--mode", mode, "--json")
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)["hits"]
    assert hits and all(word in h["title"].lower() for h in hits[:3])


def test_hostile_questions_are_answered_without_a_traceback(built):
    huge = "teacher " * 2000 + "🙂" * 100 + "\x1b[2J\x7f"  # (a NUL cannot be passed in a command's arguments)
    done = run("lib.search", huge, "\x07\x08", "--collection", str(built), "--json")
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["hits"] and second["hits"] == [] and "none of these words" in second["note"]


def test_a_collection_it_cannot_read_is_named_in_one_line(tmp_path, built):
    missing = tmp_path / "nothing-here"
    done = run("lib.search", "x", "--collection", str(missing))
    assert done.returncode == 1 and not done.stdout
    assert done.stderr.count("\n") == 1 and str(missing) in done.stderr and "Traceback" not in done.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "papers.parquet").write_bytes(b"PAR1 not really")
    done = run("lib.search", "x", "--collection", str(broken))
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and str(broken) in done.stderr


def test_a_build_without_a_meaning_index_is_named(tmp_path, built):
    old = tmp_path / "old"
    old.mkdir()
    (old / "papers.parquet").write_bytes((built / "papers.parquet").read_bytes())
    done = run("lib.search", QUESTION, "--collection", str(old))
    assert done.returncode == 1 and "without a meaning index" in done.stderr and str(old) in done.stderr
    exact = run("lib.search", "teacher", "--collection", str(old), "--mode", "exact", "--json")
    assert exact.returncode == 0 and json.loads(exact.stdout)["hits"]


def test_the_default_collection_is_the_data_folders(built, tmp_path):
    data = tmp_path / "data"
    (data / "processed").mkdir(parents=True)
    for path in built.iterdir():
        target = data / "processed" / path.name
        if path.is_dir():
            target.mkdir()
            for f in path.iterdir():
                (target / f.name).write_bytes(f.read_bytes())
        else:
            target.write_bytes(path.read_bytes())
    env_run = subprocess.run(
        [sys.executable, "-m", "lib.search", QUESTION, "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={"PAPER_ATLAS_DATA": str(data), "PATH": ""},
    )  # fmt: skip
    assert env_run.returncode == 0, env_run.stderr
    assert json.loads(env_run.stdout)["hits"]


def test_a_build_with_its_own_taxonomy_is_searched_with_it(built, built_without_distillation):
    def top(folder):
        done = run("lib.search", QUESTION, "--collection", str(folder), "--top", "10")
        assert done.returncode == 0, done.stderr
        return done.stdout

    def themes(folder) -> str:  # the themes column, past rank, score and the title
        return "\n".join(line[2 + 4 + 2 + 7 + 2 + 70 + 2 :] for line in top(folder).splitlines()[2:])

    assert "Knowledge distillation" in themes(built)
    without = themes(built_without_distillation)
    assert "Knowledge distillation" not in without
    assert "Quantization" in without or "On-device and edge deployment" in without  # the others are still named


def test_a_fresh_data_folder_is_built_on_the_first_search(tmp_path):
    """A fresh checkout has nothing built: the first search builds the bundled pages (as the app does on its
    first load), says so on standard error, and answers on standard output alone."""
    data = tmp_path / "data"
    (data / "raw").mkdir(parents=True)
    for path in (ROOT / "data" / "raw").glob("*.txt"):
        (data / "raw" / path.name).write_bytes(path.read_bytes())
    for name in ("themes.toml", "arxiv_ids.csv"):
        (data / name).write_bytes((ROOT / "data" / name).read_bytes())
    env = {"PAPER_ATLAS_DATA": str(data), "PATH": ""}
    first = subprocess.run(
        [sys.executable, "-m", "lib.search", QUESTION, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "building" in first.stderr and "Traceback" not in first.stderr
    assert json.loads(first.stdout)["hits"] and (data / "processed" / "papers.parquet").is_file()
    again = subprocess.run(
        [sys.executable, "-m", "lib.search", QUESTION, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
    )  # fmt: skip
    assert again.returncode == 0 and "building" not in again.stderr and again.stdout == first.stdout
