"""Safe to share with a team (AppTest): who may change the collection, what a visitor can learn about the server,
what a failed or damaged build does to everyone else, and upload names and limits. Each test names the finding of
issue 14 it checks; docs/security.md points here."""

from __future__ import annotations

import dataclasses
import shutil
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib import build_job
from lib.build import build_to_disk
from lib.core import schema as S
from lib.reading import sources, store
from lib.reading.formats import MAX_BYTES
from ui import data_parts

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGE = ROOT / "data" / "raw" / "004_bf2a305c17a77534.txt"
CSV = (
    b"title,abstract\nA Fresh Paper on Sparse Retrieval,This abstract is long enough to read as prose. It says more.\n"
)
EDITOR = "ed@lab.example"
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "atlas",
        "client_secret": "s", "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("template")
    (root / "raw").mkdir()
    shutil.copy(PAGE, root / "raw")
    shutil.copy(ROOT / "data" / "themes.toml", root / "themes.toml")
    data = store.data_dir(root)
    build_to_disk(data.raw_files(), data.processed, data.taxonomy, fingerprint=data.fingerprint())
    return root


@pytest.fixture
def data(template, tmp_path, monkeypatch) -> store.DataDir:
    root = shutil.copytree(template, tmp_path / "atlas")
    monkeypatch.setenv(store.ENV_VAR, str(root))
    monkeypatch.delenv("PAPER_ATLAS_READ_ONLY", raising=False)
    return store.data_dir(root)


def data_page(secrets: dict | None = None, user: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets.update(secrets or {})
    if user is not None:
        at.user = user
    at.run()
    return at.switch_page("pages/data.py").run()


def settled(at: AppTest) -> AppTest:
    build_job.jobs_for(store.data_dir()).wait_idle()
    return at.run()


def can_change(at: AppTest) -> bool:
    keys = {b.key for b in at.button}
    return bool(at.file_uploader) and "add_sources" in keys and any(k.startswith("remove_") for k in keys)


def n_papers(data: store.DataDir) -> int:
    return len(store.read_papers(data.papers_path, columns=[S.PAPER_ID]))


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "error", "warning", "info", "success") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


# --- 1. access control ------------------------------------------------------------------------------


def _with_a_source(data: store.DataDir) -> None:
    sources.add_source(data, "mine.csv", CSV, fmt="csv", records=1, added="2026-12-01")


def test_1_with_no_configuration_everyone_edits(data):
    _with_a_source(data)
    assert can_change(data_page())


@pytest.mark.parametrize("how", ["secrets", "environment"])
def test_1_one_setting_makes_the_app_read_only(data, monkeypatch, how):
    _with_a_source(data)
    if how == "environment":
        monkeypatch.setenv("PAPER_ATLAS_READ_ONLY", "1")
    at = data_page({"paper_atlas": {"read_only": True}} if how == "secrets" else {})
    assert not at.file_uploader and not [b for b in at.button if b.key and b.key.startswith(("remove_", "split"))]
    assert "Read-only" in " ".join(c.value for c in at.sidebar.caption)
    assert [e["name"] for e in sources.list_sources(data)] == ["mine.csv"]  # still listed for readers


@pytest.mark.parametrize(
    "user, editor",
    [
        ({}, False),  # not logged in
        ({"is_logged_in": True, "email": "ED@lab.example", "email_verified": True}, True),
        ({"is_logged_in": True, "email": EDITOR, "email_verified": False}, False),
        ({"is_logged_in": True, "email": "visitor@elsewhere.example"}, False),
    ],
)
def test_1_with_login_only_listed_editors_edit(data, user, editor):
    _with_a_source(data)
    at = data_page({"auth": AUTH, "paper_atlas": {"editors": [EDITOR]}}, {"is_logged_in": False, **user})
    assert can_change(at) is editor
    sidebar = " ".join(c.value for c in at.sidebar.caption).replace("\\", "")
    if not user:
        assert "Log in" in [b.label for b in at.sidebar.button]
    else:
        assert f"({'editor' if editor else 'reader'})" in sidebar


def test_1_editors_listed_without_login_make_the_app_read_only(data):
    _with_a_source(data)
    assert not can_change(data_page({"paper_atlas": {"editors": [EDITOR]}}))


def test_1_a_forged_removal_by_a_reader_changes_nothing(data):
    """The buttons are not drawn for readers; the callbacks check again, as a request can be forged."""
    _with_a_source(data)
    entry = sources.list_sources(data)[0]

    def forged(entry: dict) -> None:
        import streamlit as st

        from lib.reading import store as st_store
        from ui import auth, data_parts

        data_parts._remove(st_store.data_dir(), entry)
        auth.refusal()
        st.write(len(data_parts.added_sources.list_sources(st_store.data_dir())))

    at = AppTest.from_function(forged, args=(entry,), default_timeout=60)
    at.secrets["paper_atlas"] = {"read_only": True}
    at.run()
    assert "Only editors can change the collection" in at.error[0].value
    assert [e["name"] for e in sources.list_sources(data)] == ["mine.csv"]


@pytest.mark.parametrize("read_only", [False, True])
def test_1_readers_browse_the_clusters_and_only_editors_shape_them(data, read_only):
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets.update({"paper_atlas": {"read_only": True}} if read_only else {})
    at.run()
    at.switch_page("pages/topics.py").run()
    assert not at.exception
    keys = {b.key for b in at.button}
    shaping = {"merge", "recluster"} | {k for k in keys if k and k.startswith(("rename_", "pin_", "split_"))}
    assert bool(shaping & keys) is not read_only
    assert any(k.startswith("only_cluster_") for k in keys)  # reading the clusters is for everyone


def test_1_a_forged_rename_by_a_reader_changes_nothing(data):
    def forged() -> None:
        import streamlit as st

        from ui import auth, cache, topics_parts

        atlas = cache.load_atlas()
        st.session_state["name_0"] = "Forged"
        topics_parts._rename(atlas, 0)
        topics_parts._recluster(atlas)
        auth.refusal()

    before = data.topics.read_bytes() if data.topics.exists() else None
    at = AppTest.from_function(forged, default_timeout=60)
    at.secrets["paper_atlas"] = {"read_only": True}
    at.run()
    assert "Only editors can change the collection" in at.error[0].value
    assert (data.topics.read_bytes() if data.topics.exists() else None) == before
    assert not build_job.jobs_for(data).status().running


def test_1_removing_a_source_asks_first_and_then_rebuilds_for_everyone(data):
    _with_a_source(data)
    at = settled(data_page())
    before = n_papers(data)
    entry = sources.list_sources(data)[0]
    # The button sits in a "Remove" popover that first says what it does: two clicks, not one.
    assert any(c.value.replace("\\", "").startswith("Remove mine.csv for everyone?") for c in at.caption)
    at.button(key=f"remove_{entry['file']}").click().run()
    settled(at)
    assert sources.list_sources(data) == [] and n_papers(data) == before - 1


# --- 1 (details), 13: what a visitor sees of the server ----------------------------------------------


def test_1_no_absolute_path_or_traceback_reaches_a_visitor(data):
    at = data_page()
    assert str(data.root) not in texts(at) and "Traceback" not in texts(at)
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"


def test_13_markup_in_a_failed_builds_message_is_shown_as_text(data):
    at = data_page()
    for page in data.raw.iterdir():
        page.unlink()
    (data.raw / "crafted.csv").write_text("[click me](https://evil.example),x\n1,2\n")
    at = settled(at)
    (warning,) = [w.value for w in at.warning if "could not be rebuilt" in w.value]
    assert "crafted" in warning and "[click me](https://evil" not in warning and "\\[click me\\]" in warning
    assert any(m.value.startswith("**72 papers**") for m in at.markdown)  # the last good build, still served


def test_10_a_broken_taxonomy_is_named_once_and_not_called_the_last_build(data):
    data_page()
    data.taxonomy.write_text('[[themes]]\nid = "x"\nname = \n', encoding="utf-8")
    at = settled(data_page())
    assert not at.warning and len(at.error) == 1 and "themes.toml: cannot read taxonomy" in texts(at)
    assert "as last built" not in texts(at) and not at.exception


# --- 4: a failed build never poisons what is served ---------------------------------------------------


def test_4_after_a_failed_build_the_next_good_one_is_served_without_a_restart(data):
    """The scenario of the issue: a visitor's page is open; a build fails (here: every input unreadable, as an
    over-limit upload would); then a good change is made. The page must show the good build at once."""
    at = data_page()
    assert any(m.value.startswith("**72 papers**") for m in at.markdown)
    hidden = data.root / "hidden-page.txt"
    shutil.move(data.raw / PAGE.name, hidden)
    (data.raw / "broken.json").write_text("[1, 2")
    at = settled(at)
    assert any("could not be rebuilt" in w.value for w in at.warning)
    assert any(m.value.startswith("**72 papers**") for m in at.markdown)
    shutil.move(hidden, data.raw / PAGE.name)
    (data.raw / "more.csv").write_bytes(CSV)
    at = settled(at)
    assert not at.warning and any(m.value.startswith("**73 papers**") for m in at.markdown)


def test_8_a_damaged_table_is_rebuilt_and_never_shown_as_a_traceback(data):
    served = data.processed / store.SERVED_FILE
    content = bytearray(served.read_bytes())
    served.write_bytes(bytes(content[: len(content) // 3]))
    at = settled(data_page())
    assert not at.exception and any(m.value.startswith("**72 papers**") for m in at.markdown)
    assert not data.is_stale()


# --- 6, 14: upload names and limits -------------------------------------------------------------------


def test_6_a_long_name_in_a_batch_is_added_and_built_and_the_rest_of_the_batch_too(data):
    long_name = "é" * 130 + ".csv"  # 264 bytes: the stored name must stay under the file system's 255
    at = data_page()
    uploader = at.file_uploader[0]
    uploader.upload(long_name, CSV)
    uploader.upload("third.csv", CSV.replace(b"Fresh", b"Third"))
    at.button(key="add_sources").click().run()
    at = settled(at)
    added = [s.value.replace("\\", "") for s in at.success if "merged into" in s.value]
    assert added == [
        f"{long_name}: 1 new, 0 merged into existing papers",
        "third.csv: 1 new, 0 merged into existing papers",
    ]
    stored = [e["file"] for e in sources.list_sources(data)]
    assert all(len(name.encode()) <= 255 and name.endswith(".csv") for name in stored)
    assert n_papers(data) == 74  # both built


@pytest.mark.parametrize("name", ["x.csv ", "x.csv.", "x.csv\u200b", "x", "..", "é" * 300])
def test_6_every_stored_name_is_short_and_ends_in_an_extension_the_build_reads(name):
    stored = sources.stored_name(name, "0" * 64, "csv")
    assert len(stored.encode()) <= 255 and stored.endswith(".csv") and "/" not in stored


def test_14_one_upload_limit_for_the_picker_the_server_and_python(data):
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    at = data_page()
    assert at.file_uploader[0].proto.max_upload_size_mb == config["server"]["maxUploadSize"] == MAX_BYTES // 2**20
    assert data_parts.MAX_UPLOAD_MB == MAX_BYTES // 2**20
    assert f"up to {MAX_BYTES // 2**20} MB a file" in at.caption[0].value


# --- 9: the Data page pages its sources ----------------------------------------------------------------


def test_9_thousands_of_sources_are_listed_a_page_at_a_time(data):
    data.sources.mkdir()
    entries = []
    for n in range(3000):
        name = f"{n:06d}-s.csv"
        (data.sources / name).write_bytes(b"")
        entries.append({"name": f"upload {n}.csv", "file": name, "sha256": str(n), "format": "csv", "records": 1})
    store.write_json(data.sources_manifest, entries)
    report = store.read_report(data.report_path)  # the build is not what is measured here: mark it current
    store.write_report(dataclasses.replace(report, input_fingerprint=data.fingerprint()), data.report_path)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/data.py").run()
    listed = [m.value for m in at.markdown if m.value.startswith("**upload")]
    assert len(listed) == data_parts.SOURCES_PER_PAGE and listed[0].startswith("**upload 2999")
    at.text_input(key="source_filter").input("upload 299").run()
    found = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("**upload")]
    assert "**upload 299.csv** · CSV · 1 record · added" in found and len(found) == 11  # 299, 2990-2999


def test_10_a_non_utf8_id_list_is_named_by_file_and_line(data):
    at = data_page()
    data.arxiv_cache.write_bytes(b"title,arxiv_id,confidence\nA title,,\nCaf\xe9,,\n")
    at = settled(at)
    assert not at.exception
    assert any("arxiv_ids.csv:3: not UTF-8 text" in w.value.replace("\\", "") for w in at.warning)


def test_1_make_run_listens_on_this_machine_only():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "ADDRESS ?= 127.0.0.1" in makefile and "--server.address $(ADDRESS)" in makefile
