#!/usr/bin/env python3
"""Summarises the HTTP part of bench/run: wrk logs, the server's in-process rates, peak RSS."""
import re
import sys
from pathlib import Path

out = Path(sys.argv[1])
rss = sys.argv[2]


def ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    v, unit = float(m.group(1)), m.group(2)
    return {"us": v / 1000, "ms": v, "s": v * 1000}[unit]


def wrk(path: Path) -> dict:
    t = path.read_text()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    p50 = ms(re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1))
    p99 = ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", t).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    errors = re.search(r"Socket errors: (.*)", t)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "total": total,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(1) if errors else "none",
    }


rounds = int(sys.argv[3])
conns = (8, 64)
inproc = {c: [float(x) for x in (out / f"inproc-{c}.txt").read_text().split()] for c in conns}

print("\n## HTTP (loopback, wrk -t2, bench_server on SQLite)\n")
print(
    "`POST /verify` is a thin JSON route calling `Engine::verify_token_detailed` (wrong token, "
    "throttling off, 64 devices round robin: every request evaluates 3 HMACs and commits one "
    "write, answered 401 `invalid_token`); `GET /hello` is a bare axum route on the same server. "
    "The in-process rate is the same engine, database, token and devices measured inside the "
    f"server process (`POST /inproc`). {rounds} alternating rounds per concurrency: in-process, "
    "hello, verify; the ratios compare the means of the rounds.\n"
)
print("| connections | round | in-process /s | hello /s | hello p99 ms | verify /s | verify p50 ms | verify p99 ms | verify non-2xx | socket errors |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
summary = {}
for c in conns:
    hs, vs = [], []
    for r in range(1, rounds + 1):
        h = wrk(out / f"wrk-hello-{c}-{r}.log")
        v = wrk(out / f"wrk-verify-{c}-{r}.log")
        hs.append(h)
        vs.append(v)
        ip = inproc[c][r - 1]
        errs = "none" if h["errors"] == "none" and v["errors"] == "none" else f"{h['errors']} / {v['errors']}"
        print(
            f"| {c} | {r} | {ip:.0f} | {h['rps']:.0f} | {h['p99']:.2f} | {v['rps']:.0f} | "
            f"{v['p50']:.2f} | {v['p99']:.2f} | {v['non2xx']} of {v['total']} | {errs} |"
        )
    summary[c] = (
        sum(inproc[c]) / len(inproc[c]),
        sum(h["rps"] for h in hs) / rounds,
        sum(v["rps"] for v in vs) / rounds,
        sorted(v["p50"] for v in vs)[rounds // 2],
        max(v["p99"] for v in vs),
    )
print(f"\nServer peak RSS (VmHWM) after all runs: **{rss}**.\n")
for c in conns:
    ip, h, v, p50, p99 = summary[c]
    r1 = v / ip
    r2 = v / h
    print(
        f"- {c} connections (means of {rounds} rounds): HTTP verify {v:.0f}/s vs in-process {ip:.0f}/s = "
        f"**{r1:.2f}×** (target ≥ 0.6: {'met' if r1 >= 0.6 else 'MISSED'}); vs hello "
        f"{h:.0f}/s = **{r2:.2f}×** (target ≥ 0.25: {'met' if r2 >= 0.25 else 'MISSED'}); "
        f"verify p50 {p50:.2f} ms (median round), p99 {p99:.2f} ms (worst round; target < 5 ms: "
        f"{'met' if p99 < 5 else 'MISSED'})"
    )
