"""The arXiv title lookup against a loopback fake API: matching, the cache it writes, and its manners."""

from __future__ import annotations

import shutil
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pandas as pd
import pytest
from fake_arxiv import ATOM_DIR, FakeArxiv, atom, raw, slow, status

from lib.build import build_to_disk
from lib.cleaning import enrich as E
from lib.cleaning.id_cache import CacheEntry, read_cache, write_cache
from lib.core import schema as S
from lib.core.titles import normalize_title
from lib.reading import store

ROOT = Path(__file__).resolve().parents[2]
ATTENTION = "Attention Is All You Need"
BERT = "Pre-training of Deep Bidirectional Transformers for Language Understanding"  # arXiv's title starts "BERT:"
WILD = "Deep Active Learning in the Wild"  # arXiv answers with other active learning papers
ABSENT = "A Paper That arXiv Does Not Have"
DATED = "Scaling Laws for Neural Language Models"
CACHED_BLANK = "Graph Attention Networks"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback even when a proxy is set


def phrase(title: str) -> str:
    return " ".join(normalize_title(title).split())


class FakeTime:
    """A clock that only moves when slept on, so pacing is checked exactly and without waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def fake():
    with FakeArxiv() as server:
        server.route(phrase(ATTENTION), atom("attention.xml"))
        server.route(phrase(BERT), atom("bert.xml"))
        server.route(phrase(WILD), atom("active_learning.xml"))
        yield server


@pytest.fixture
def data(tmp_path) -> store.DataDir:
    """A data folder with a hand-made built table and a cache that already holds two other rows."""
    d = store.data_dir(tmp_path)
    rows = [
        ("p1", ATTENTION, None, None),
        ("p2", BERT, None, None),
        ("p3", WILD, None, None),
        ("p4", ABSENT, None, None),
        ("p5", DATED, "2001.08361", "2020-01"),
        ("p6", CACHED_BLANK, None, None),
    ]
    papers = pd.DataFrame(rows, columns=[S.PAPER_ID, S.TITLE, S.ARXIV_ID, S.PUBLISHED])
    store.write_papers(papers, d.papers_path)
    write_cache(
        [CacheEntry("An Older Paper", "2101.00001", "high"), CacheEntry(CACHED_BLANK, None, None)], d.arxiv_cache
    )
    return d


def run(data, fake, **kw) -> E.EnrichSummary:
    kw = {"endpoint": fake.url, "delay": 0.0, "timeout": 2.0, "sleep": FakeTime().sleep, "opener": NO_PROXY} | kw
    return E.enrich(data, **kw)


def cache_rows(data) -> dict[str, tuple]:
    return {e.title: (e.arxiv_id, e.confidence) for e in read_cache(data.arxiv_cache)}


# ------------------------------------------------------------------------------------ one title


@pytest.mark.parametrize(
    "title, expected",
    [
        (ATTENTION, CacheEntry(ATTENTION, "1706.03762", "high")),  # second entry; the first scores 45
        (BERT, CacheEntry(BERT, "1810.04805", "low")),  # ratio 96.7: accepted, flagged
        (WILD, None),  # best entry scores 62.5, below the threshold
        (ABSENT, None),  # an empty feed
    ],
)
def test_lookup_title(fake, title, expected):
    assert E.lookup_title(title, endpoint=fake.url, timeout=2, threshold=90, opener=NO_PROXY) == expected


def test_threshold_decides_acceptance(fake):
    assert E.lookup_title(BERT, endpoint=fake.url, timeout=2, threshold=97, opener=NO_PROXY) is None
    assert E.lookup_title(WILD, endpoint=fake.url, timeout=2, threshold=60, opener=NO_PROXY).confidence == "low"


def test_query_names_the_title_phrase_and_the_client(fake):
    E.lookup_title("Attention: Is All You Need?", endpoint=fake.url, opener=NO_PROXY)
    assert fake.phrases == ["attention is all you need"]
    assert "max_results=5" in fake.paths[0]
    assert fake.user_agents[0].startswith("PaperAtlas/")


@pytest.mark.parametrize(
    "body, reason",
    [
        ((ATOM_DIR / "attention.xml").read_bytes()[:900], "malformed reply"),  # cut off mid-entry
        (b"<html><body>Service unavailable</body></html>", "not an Atom feed"),
        (b'<?xml version="1.0"?><!DOCTYPE f [<!ENTITY a "aaaa">]><feed>&a;</feed>', "malformed reply"),  # defused
        (
            b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/api/errors#bad_query</id>'
            b"<title>Error</title><summary>malformed query</summary></entry></feed>",
            "arXiv error: malformed query",
        ),
    ],
)
def test_unusable_replies_raise(body, reason):
    with pytest.raises(E.LookupFailed, match=reason):
        E.parse_feed(body)


def test_parse_feed_reads_ids_and_unwrapped_titles():
    entries = E.parse_feed((ATOM_DIR / "bert.xml").read_bytes())
    assert entries == [
        ("1810.04805", "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding")
    ]
    assert E.parse_feed((ATOM_DIR / "empty.xml").read_bytes()) == []


def test_retry_after_header():
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert E._retry_after("1") == 1.0
    assert E._retry_after("86400") == E.MAX_WAIT
    assert 25 <= E._retry_after(later) <= 30
    assert E._retry_after("soon") is None and E._retry_after(None) is None


# ----------------------------------------------------------------------------------- whole table


def test_enrich_caches_found_and_not_found_and_keeps_existing_rows(data, fake):
    summary = run(data, fake)
    assert (summary.candidates, summary.already_cached, summary.asked) == (4, 1, 4)
    assert (summary.found, summary.low_confidence, summary.not_found, summary.errors) == (2, 1, 2, [])
    assert summary.added == 4 and fake.count == 4
    assert sorted(fake.phrases) == sorted(phrase(t) for t in (ATTENTION, BERT, WILD, ABSENT))  # not DATED
    assert cache_rows(data) == {
        "An Older Paper": ("2101.00001", "high"),
        CACHED_BLANK: (None, None),
        ATTENTION: ("1706.03762", "high"),
        BERT: ("1810.04805", "low"),
        WILD: (None, None),
        ABSENT: (None, None),
    }


def test_second_run_makes_no_requests(data, fake):
    run(data, fake)
    before = data.arxiv_cache.read_bytes()
    summary = run(data, fake)
    assert fake.count == 4
    assert (summary.asked, summary.already_cached, summary.added) == (0, 5, 0)
    assert data.arxiv_cache.read_bytes() == before


def test_timeout_is_an_error_not_cached_and_asked_again(data, fake):
    fake.route(phrase(ATTENTION), slow(5), atom("attention.xml"))
    first = run(data, fake, timeout=0.3)
    assert first.errors == [(ATTENTION, "timed out after 0.3 s")]
    assert first.found == 1 and first.not_found == 2  # the other titles went on
    assert ATTENTION not in cache_rows(data)
    second = run(data, fake)
    assert fake.phrases[-1] == phrase(ATTENTION) and second.asked == 1
    assert cache_rows(data)[ATTENTION] == ("1706.03762", "high")


def test_429_is_retried_after_retry_after(data, fake):
    fake.route(phrase(ATTENTION), status(429, Retry_After="1"), atom("attention.xml"))
    ft = FakeTime()
    summary = run(data, fake, sleep=ft.sleep, clock=ft.clock, limit=1)
    assert fake.phrases == [phrase(ATTENTION)] * 2 and summary.requests == 2
    assert ft.sleeps == [1.0]
    assert summary.found == 1 and not summary.errors


def test_503_gives_up_after_three_retries_with_backoff(data, fake):
    fake.route(phrase(ATTENTION), status(503, Retry_After="1"))
    ft = FakeTime()
    summary = run(data, fake, sleep=ft.sleep, clock=ft.clock)
    assert fake.phrases.count(phrase(ATTENTION)) == 1 + E.MAX_RETRIES
    assert ft.sleeps == [1.0, 2.0, 4.0]  # Retry-After, then doubling
    assert summary.errors == [(ATTENTION, "HTTP 503 after 3 retries")]
    assert summary.found == 1 and ATTENTION not in cache_rows(data)


def test_http_500_is_an_error_and_the_next_title_is_asked(data, fake):
    fake.route(phrase(ATTENTION), status(500))
    summary = run(data, fake)
    assert summary.errors == [(ATTENTION, "HTTP 500")]
    assert fake.count == 4 and summary.found == 1
    assert ATTENTION not in cache_rows(data) and BERT in cache_rows(data)


def test_malformed_xml_is_an_error(data, fake):
    fake.route(phrase(BERT), raw(b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>"))
    summary = run(data, fake)
    assert [(t, r.split(" (")[0]) for t, r in summary.errors] == [(BERT, "malformed reply")]
    assert BERT not in cache_rows(data) and ATTENTION in cache_rows(data)


def test_requests_are_spaced_by_delay(data, fake):
    ft = FakeTime()
    summary = run(data, fake, delay=3.0, sleep=ft.sleep, clock=ft.clock)
    assert summary.requests == 4 and ft.sleeps == [3.0, 3.0, 3.0]  # none before the first


def test_real_clock_spacing(data, fake):
    run(data, fake, delay=0.15, sleep=time.sleep)
    gaps = [b - a for a, b in zip(fake.times, fake.times[1:])]
    assert len(gaps) == 3 and min(gaps) >= 0.14


def test_limit_and_interruption_keep_what_was_found(data, fake):
    assert run(data, fake, limit=1).remaining == 3 and fake.count == 1

    def interrupt(seconds):
        raise KeyboardInterrupt

    summary = run(data, fake, delay=3.0, sleep=interrupt)  # Ctrl-C while waiting for the second request
    assert summary.interrupted and summary.asked == 2 and summary.added == 1
    assert len(cache_rows(data)) == 4 and fake.count == 2


# --------------------------------------------------------------------------- build and CLI


ABSTRACTS = {
    ATTENTION: "The dominant sequence transduction models are based on complex recurrent or convolutional neural "
    "networks. We propose a new simple network architecture, the Transformer, based solely on attention "
    "mechanisms.",
    BERT: "We introduce a new language representation model called BERT. Unlike recent language representation "
    "models, it is designed to pre-train deep bidirectional representations from unlabeled text by jointly "
    "conditioning on both left and right context in all layers.",
    ABSENT: "We describe a method for testing listings that was never posted anywhere. It exists only in this "
    "listing, so a lookup by its title finds nothing at all, and so the paper stays undated after the lookup.",
}
LISTING = "Mar 18\n\n" + "".join(f"{title}\n\n{abstract}\n\n" for title, abstract in ABSTRACTS.items())


def test_build_uses_the_cache_to_date_papers(tmp_path, fake, monkeypatch, capsys):
    d = store.data_dir(tmp_path)
    d.raw.mkdir()
    (d.raw / "000_tiny.txt").write_text(LISTING, encoding="utf-8")
    shutil.copy(ROOT / "data" / "themes.toml", d.taxonomy)

    def build() -> pd.DataFrame:
        result = build_to_disk(
            d.raw_files(), d.processed, d.taxonomy, fingerprint=d.fingerprint(), arxiv_cache_path=d.arxiv_cache
        )
        return result.papers.set_index(S.TITLE)

    assert build()[S.PUBLISHED].isna().all()
    monkeypatch.setenv("no_proxy", "*")  # the CLI's default opener honours proxy settings
    assert E.main(["--data", str(tmp_path), "--endpoint", fake.url, "--delay", "0"]) == 0
    out = capsys.readouterr().out
    assert "[1/3] found 1706.03762 (high)" in out and "found 2 (1 low confidence), not found 1, errors 0" in out
    assert d.is_stale()  # the cache is an input: the app rebuilds on its next load
    papers = build()
    assert papers.loc[ATTENTION, S.PUBLISHED] == "2017-06" and papers.loc[ATTENTION, S.ARXIV_SOURCE] == "list"
    assert papers.loc[BERT, S.PUBLISHED] == "2018-10" and papers.loc[BERT, S.ARXIV_CONFIDENCE] == "low"
    assert pd.isna(papers.loc[ABSENT, S.PUBLISHED])


def test_cli_without_a_build(tmp_path, capsys):
    assert E.main(["--data", str(tmp_path), "--endpoint", "http://127.0.0.1:9/api/query"]) == 1
    assert "run `python -m lib.build` first" in capsys.readouterr().err
