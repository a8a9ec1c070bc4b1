"""The tables bench/run.py prints: per corpus size, the build, serve and peer runs with their medians, and a
summary against the targets."""

from __future__ import annotations

import statistics

TARGETS = {"seeds": (3, 0.100, 0.020, None), "100000": (60, 0.150, 0.050, 3), "1000000": (600, 0.300, 0.300, 12)}


def finished(children: list[dict]) -> list[dict]:
    return [c for c in children if "failed" not in c]


def _med(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def _row(label: str, values: list[float], fmt: str) -> str:
    cells = [format(v, fmt) for v in values]
    return f"| {label} | " + " | ".join(cells) + f" | **{format(_med(values), fmt)}** |"


def _table(title: str, first: str, children: list[dict], rows: list[tuple[str, callable, str]]) -> list[str]:
    n = len(children)
    lines = [
        "",
        title,
        "",
        "| " + " | ".join([first] + [f"run {i + 1}" for i in range(n)] + ["median"]) + " |",
        "|" + "---|" * (n + 2),
    ]
    return lines + [_row(label, [get(c) for c in children], fmt) for label, get, fmt in rows]


def size_table(res: dict) -> str:
    b, s, p = finished(res["builds"]), finished(res["serves"]), finished(res["peers"])
    lines = [
        f"\n### {res['size']}"
        + (f": {b[0]['n_records']} entries -> {b[0]['n_papers']} papers, k={b[0]['k']}" if b else "")
    ]
    lines += [
        f"\n- a run did not finish: {c['failed']}"
        for c in res["builds"] + res["serves"] + res["peers"]
        if "failed" in c
    ]
    if b:
        rows = [(stage, lambda c, st=stage: c["stages"].get(st, 0.0), ".2f") for stage in b[0]["stages"]]
        rows += [
            ("**full build, process wall**", lambda c: c["wall_s"], ".1f"),
            ("CPU time of the build", lambda c: c["cpu_s"], ".1f"),
            ("peak RSS (MiB)", lambda c: c["peak_rss_mb"], ".0f"),
            ("others' CPU meanwhile (cores)", lambda c: c["others_cores"], ".2f"),
        ]
        lines += _table("Build (s, fresh process each run)", "stage", b, rows)
    if res["quality"]:
        lines.append(
            f"\nDedupe on planted near-duplicates: recall {res['quality'][0]:.4f}, "
            f"pair precision {res['quality'][1]:.4f}"
        )
    if s:
        rows = [(key, lambda c, k=key: c["times"][k] * 1000, ".1f") for key in s[0]["times"]]
        rows += [
            ("RSS with table + index (MiB)", lambda c: c["rss_ready_mb"], ".0f"),
            ("peak RSS (MiB)", lambda c: c["peak_rss_mb"], ".0f"),
        ]
        lines += _table(
            "Serve (ms, in-process; median of 5 queries x 3 repeats; every search misses the search "
            "memo except 'repeated')",
            "step",
            s,
            rows,
        )
    if p:
        rows = [(stage, lambda c, st=stage: c["stages"][st], ".2f") for stage in p[0]["stages"]]
        rows += [
            ("**rerun total**", lambda c: c["total"], ".2f"),
            ("peak RSS (MiB)", lambda c: c["peak_rss_mb"], ".0f"),
        ]
        lines += _table(
            f"Peer: the naive app's work per rerun (s); it shows {p[0]['n_shown']} papers for the theme "
            "keyword + search",
            "peer stage",
            p,
            rows,
        )
    return "\n".join(lines)


def summary(results: list[dict]) -> str:
    lines = [
        "\n### Summary (medians; targets in brackets)",
        "",
        "| corpus | full build | filter + search | fuzzy title search | peak RSS build / serve | dedupe recall "
        "| peer rerun | ours / peer: interaction | ours / peer: full build |",
        "|" + "---|" * 9,
    ]

    def mark(value, limit, unit="s", scale=1) -> str:
        if limit is None or value != value:
            return ""
        return f" [<{limit * scale:g} {unit}] " + ("ok" if value < limit else "MISS")

    for res in results:
        size = res["size"]
        target = TARGETS.get(size, (None,) * 4)
        b, s, p = finished(res["builds"]), finished(res["serves"]), finished(res["peers"])
        build, cpu = _med([x["wall_s"] for x in b]), _med([x["cpu_s"] for x in b])
        inter = _med([x["times"]["filter + search"] for x in s])
        fuzzy = _med([x["times"]["fuzzy search"] for x in s])
        peak_b = _med([x["peak_rss_mb"] for x in res["builds"]]) / 1024
        peak_s = _med([x["peak_rss_mb"] for x in s]) / 1024
        peer = _med([x["total"] for x in p])
        recall = "-"
        if res["quality"]:
            recall = f"{res['quality'][0]:.3f} [>=0.99] " + ("ok" if res["quality"][0] >= 0.99 else "MISS")
        failed = " (did not finish)" if len(b) < len(res["builds"]) else ""
        lines.append(
            f"| {size} | {build:.1f} s (CPU {cpu:.1f} s){mark(build, target[0])}{failed} | "
            f"{inter * 1000:.1f} ms{mark(inter, target[1], 'ms', 1000)} | "
            f"{fuzzy * 1000:.1f} ms{mark(fuzzy, target[2], 'ms', 1000)} | "
            f"{peak_b:.2f} / {peak_s:.2f} GiB{mark(max(peak_b, peak_s), target[3], 'GiB')} | {recall} | "
            f"{peer:.2f} s | {inter / peer:.5f} ({peer / inter:,.0f}x faster) | {build / peer:.1f} |"
        )
    return "\n".join(lines)


def header(info: dict, others: float) -> str:
    shared = "yes" if others > 0.3 or info["load"][0] > 1.0 else "no"
    return (
        f"Paper Atlas bench, {info['date']} · {info['cpu']} · {info['cores']} cores · {info['ram_gib']} GiB · "
        f"Python {info['python']} · code {info['code']}\nload average at start {info['load'][0]:.2f}/{info['load'][1]:.2f}/"
        f"{info['load'][2]:.2f}; other processes used {others:.2f} cores on average during our runs "
        f"-> machine shared: {shared}"
    )
