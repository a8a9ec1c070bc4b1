"""Optional arXiv lookup by title for built papers with no id or date; adds rows to the arXiv id cache.

Owns the arXiv API client and its manners (pacing, retries, timeouts); the cache format stays in lib.cleaning.id_cache.
Run as `python -m lib.enrich`; nothing else in Paper Atlas contacts the network.
"""

from __future__ import annotations

import argparse
import email.utils
import http.client
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from lib.cleaning.id_cache import CacheEntry, read_cache, write_cache
from lib.core import schema as S
from lib.core.errors import AtlasError
from lib.core.ids import normalize_arxiv_id
from lib.core.titles import normalize_title, parse_title, title_score
from lib.reading import store

DEFAULT_ENDPOINT = "http://export.arxiv.org/api/query"
DEFAULT_DELAY = 3.0  # arXiv's API terms ask for no more than one request every three seconds
DEFAULT_TIMEOUT = 20.0
DEFAULT_THRESHOLD = 90.0
HIGH_CONFIDENCE = 97.0  # at or above: "high"; between the threshold and this: "low"
MAX_RESULTS = 5
MAX_RETRIES = 3  # after a 429 or 503
MAX_WAIT = 60.0  # cap on one Retry-After or backoff pause, so a hostile header cannot stall a run
MAX_REPLY_BYTES = 2 << 20  # five Atom entries are a few kB; more means something else answered
RETRY_STATUSES = (429, 503)
USER_AGENT = "PaperAtlas/1.0 (arXiv id lookup by title; urllib)"
_ATOM = "{http://www.w3.org/2005/Atom}"

Opener = urllib.request.OpenerDirector


class LookupFailed(Exception):
    """A request with no usable answer; the title is not cached, so the next run asks again."""


class RateLimited(LookupFailed):
    """HTTP 429 or 503: worth retrying after `retry_after` seconds (None when the server gave no hint)."""

    def __init__(self, message: str, retry_after: float | None):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class EnrichSummary:
    candidates: int = 0  # distinct titles lacking an id or date and not yet in the cache
    already_cached: int = 0  # titles lacking an id or date that the cache already answers
    asked: int = 0
    found: int = 0
    low_confidence: int = 0
    not_found: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (title, reason)
    requests: int = 0  # HTTP requests made, retries included
    added: int = 0  # rows written to the cache
    interrupted: bool = False

    @property
    def remaining(self) -> int:
        """Titles left for a later run: beyond --limit, after an interruption, or failed."""
        return self.candidates - self.found - self.not_found


# ------------------------------------------------------------------------------------ one title


def query_url(endpoint: str, title: str) -> str:
    """The API query for a title phrase; normalised words keep arXiv's query syntax out of the phrase."""
    words = " ".join(normalize_title(title).split())
    return f"{endpoint}?" + urlencode({"search_query": f'ti:"{words}"', "max_results": MAX_RESULTS})


def lookup_title(
    title: str,
    *,
    endpoint: str = DEFAULT_ENDPOINT,
    timeout: float = DEFAULT_TIMEOUT,
    threshold: float = DEFAULT_THRESHOLD,
    opener: Opener | None = None,
) -> CacheEntry | None:
    """The cache row for `title` from one API request, or None when no entry scores `threshold`.

    Raises LookupFailed (RateLimited for 429/503) when the request or its reply is unusable.
    """
    return best_match(title, parse_feed(_fetch(query_url(endpoint, title), timeout, opener)), threshold)


def best_match(title: str, entries: Sequence[tuple[str, str]], threshold: float) -> CacheEntry | None:
    """The (arxiv_id, title) entry most like `title`, as a cache row; arXiv's order breaks ties.

    An entry must be the same title by lib.core.titles at `threshold`: arXiv answers a phrase query with
    the paper's other versions and sequels too, and "X v3" must not hand its id to "X v2".
    """
    query = parse_title(title)
    scored = [(title_score(query, parse_title(t), threshold), arxiv_id) for arxiv_id, t in entries]
    accepted = [(score, arxiv_id) for score, arxiv_id in scored if score is not None]
    if not accepted:
        return None
    score, arxiv_id = max(accepted, key=lambda s: s[0])
    return CacheEntry(title, arxiv_id, "high" if score >= HIGH_CONFIDENCE else "low")


def parse_feed(body: bytes) -> list[tuple[str, str]]:
    """(arxiv_id, title) of each entry of an API reply; LookupFailed when it is not a usable Atom feed."""
    try:
        root = SafeET.fromstring(body)
    except (SafeET.ParseError, DefusedXmlException) as exc:
        raise LookupFailed(f"malformed reply ({exc})") from None
    if root.tag != _ATOM + "feed":
        raise LookupFailed(f"reply is not an Atom feed (root {root.tag!r})")
    entries = []
    for entry in root.iterfind(_ATOM + "entry"):
        raw_id = (entry.findtext(_ATOM + "id") or "").strip()
        if "/api/errors" in raw_id:  # how the API reports a query it could not run
            raise LookupFailed("arXiv error: " + " ".join((entry.findtext(_ATOM + "summary") or raw_id).split()))
        arxiv_id = normalize_arxiv_id(raw_id)
        entry_title = " ".join((entry.findtext(_ATOM + "title") or "").split())  # arXiv wraps long titles
        if arxiv_id and entry_title:
            entries.append((arxiv_id, entry_title))
    return entries


def _fetch(url: str, timeout: float, opener: Opener | None) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/atom+xml"})
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=timeout) as response:
            body = response.read(MAX_REPLY_BYTES + 1)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code in RETRY_STATUSES:
            raise RateLimited(f"HTTP {exc.code}", _retry_after(exc.headers.get("Retry-After"))) from None
        raise LookupFailed(f"HTTP {exc.code}") from None
    except (OSError, http.client.HTTPException) as exc:  # URLError and TimeoutError are OSErrors
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, TimeoutError):
            raise LookupFailed(f"timed out after {timeout:g} s") from None
        raise LookupFailed(f"connection failed ({reason})") from None
    if len(body) > MAX_REPLY_BYTES:
        raise LookupFailed(f"reply larger than {MAX_REPLY_BYTES} bytes")
    return body


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date), capped; None when absent or unreadable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (email.utils.parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_WAIT)


# ----------------------------------------------------------------------------------- whole table


def titles_to_ask(papers: pd.DataFrame, cache: Sequence[CacheEntry]) -> tuple[list[str], int]:
    """Distinct titles of papers lacking an id or a date that the cache does not know, and how many it knows.

    A cache row with a blank id counts as known: that title was looked up and not found.
    """
    known = {normalize_title(e.title) for e in cache}
    seen: set[str] = set()
    ask, cached = [], 0
    for title, arxiv_id, published in zip(papers[S.TITLE], papers[S.ARXIV_ID], papers[S.PUBLISHED]):
        if S.present(arxiv_id) and S.present(published):
            continue
        key = normalize_title(title) if isinstance(title, str) else ""
        if not key or key in seen:
            continue
        seen.add(key)
        if key in known:
            cached += 1
        else:
            ask.append(title)
    return ask, cached


class _Pacer:
    """Keeps at least `delay` seconds from the end of one request to the start of the next (so the server
    sees them that far apart whatever the network does), and longer when a server asks for a pause."""

    def __init__(self, delay: float, sleep: Callable[[float], None], clock: Callable[[], float]):
        self.delay, self.sleep, self.clock = delay, sleep, clock
        self.next_at: float | None = None

    def wait(self) -> None:
        if self.next_at is not None and (pause := self.next_at - self.clock()) > 0:
            self.sleep(pause)

    def pause_for(self, seconds: float) -> None:
        self.next_at = max(self.next_at or 0.0, self.clock() + seconds)


def enrich(
    data_dir: store.DataDir | str | Path,
    *,
    endpoint: str = DEFAULT_ENDPOINT,
    delay: float = DEFAULT_DELAY,
    limit: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    timeout: float = DEFAULT_TIMEOUT,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    opener: Opener | None = None,
    progress: Callable[[str], None] | None = None,
) -> EnrichSummary:
    """Look up the built table's undated titles (at most `limit`) and merge the answers into the cache.

    Found and not-found titles are cached; failed ones are not. Ctrl-C stops the run, keeping what was found.
    """
    data = data_dir if isinstance(data_dir, store.DataDir) else store.data_dir(data_dir)
    papers = store.read_papers(data.papers_path, columns=[S.TITLE, S.ARXIV_ID, S.PUBLISHED])
    titles, cached = titles_to_ask(papers, read_cache(data.arxiv_cache))
    summary = EnrichSummary(candidates=len(titles), already_cached=cached)
    say = progress or (lambda line: None)
    pacer = _Pacer(delay, sleep, clock)
    todo = titles if limit is None else titles[:limit]
    answers: list[CacheEntry] = []
    try:
        for n, title in enumerate(todo, 1):
            summary.asked += 1
            try:
                entry = _ask(
                    title, pacer, summary, say, endpoint=endpoint, timeout=timeout, threshold=threshold, opener=opener
                )
            except LookupFailed as exc:
                summary.errors.append((title, str(exc)))
                say(f"[{n}/{len(todo)}] error ({exc}): {title}")
                continue
            if entry is None:
                summary.not_found += 1
                say(f"[{n}/{len(todo)}] not found: {title}")
            else:
                summary.found += 1
                summary.low_confidence += entry.confidence == "low"
                say(f"[{n}/{len(todo)}] found {entry.arxiv_id} ({entry.confidence}): {title}")
            answers.append(entry or CacheEntry(title, None, None))  # a blank id: looked up, not found
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        summary.added = save_answers(answers, data.arxiv_cache) if answers else 0
    return summary


def _ask(title: str, pacer: _Pacer, summary: EnrichSummary, say: Callable[[str], None], **lookup) -> CacheEntry | None:
    retries = 0
    while True:
        pacer.wait()
        summary.requests += 1
        try:
            return lookup_title(title, **lookup)
        except RateLimited as exc:
            if retries == MAX_RETRIES:
                raise LookupFailed(f"{exc} after {MAX_RETRIES} retries") from None
            # Honour the server's hint, but never retry sooner than an exponential backoff would.
            pause = min(MAX_WAIT, max(exc.retry_after or 0.0, max(pacer.delay, 1.0) * 2**retries))
            retries += 1
            say(f"  {exc}: retry {retries} of {MAX_RETRIES} in {pause:g} s")
            pacer.pause_for(pause)
        finally:
            pacer.pause_for(pacer.delay)


def save_answers(answers: Sequence[CacheEntry], path: Path) -> int:
    """Add answers for titles the cache file lacks, keeping every row it has now; returns rows added."""
    current = read_cache(path)  # re-read: the file may have been edited during a long run
    known = {normalize_title(e.title) for e in current}
    new = [a for a in answers if normalize_title(a.title) not in known]
    if new:
        store.atomic_write(path, lambda tmp: write_cache([*current, *new], tmp))
    return len(new)


# ------------------------------------------------------------------------------------------- CLI


def summary_text(summary: EnrichSummary, cache_path: Path) -> str:
    """A one-screen plain-text account of a run."""
    s = summary
    lines = [
        f"arXiv lookup: {s.asked} titles asked in {s.requests} requests "
        f"({s.already_cached} already in the cache, {s.remaining} left for a later run)",
        f"  found {s.found} ({s.low_confidence} low confidence), not found {s.not_found}, errors {len(s.errors)}",
    ]
    lines += [f"  error: {reason}: {title[:80]}" for title, reason in s.errors[:8]]
    if len(s.errors) > 8:
        lines.append(f"  ... and {len(s.errors) - 8} more errors")
    if s.interrupted:
        lines.append("interrupted: what was found so far is saved")
    lines.append(
        f"{s.added} rows added to {cache_path}"
        + ("; run `python -m lib.build` (or reload the app) to use them" if s.added else "")
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.enrich", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="data folder (default: $PAPER_ATLAS_DATA or data/)")
    parser.add_argument("--limit", type=int, help="look up at most N titles this run")
    parser.add_argument("--delay", type=float, default=DEFAULT_DELAY, help="seconds between requests (default 3)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per request (default 20)")
    parser.add_argument("--endpoint", default=DEFAULT_ENDPOINT, help="arXiv API query URL")
    parser.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help="least title similarity (0-100) to accept an entry (default 90)",
    )
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 0 or args.delay < 0 or args.timeout <= 0:
        parser.error("--limit and --delay must not be negative, --timeout must be positive")
    if not 0 <= args.threshold <= 100:
        parser.error("--threshold must be between 0 and 100")
    data = store.data_dir(args.data)
    if not data.papers_path.exists():
        print(f"error: nothing built in {data.root} yet; run `python -m lib.build` first", file=sys.stderr)
        return 1
    try:
        summary = enrich(
            data,
            endpoint=args.endpoint,
            delay=args.delay,
            limit=args.limit,
            threshold=args.threshold,
            timeout=args.timeout,
            progress=lambda line: print(line, flush=True),
        )
    except AtlasError as exc:  # an unreadable id cache, or one that cannot be written
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(summary_text(summary, data.arxiv_cache))
    return 130 if summary.interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
