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


inproc = {}
for line in (out / "server.log").read_text().splitlines():
    if line.startswith("inproc "):
        _, c, r = line.split()
        inproc[int(c)] = float(r)

print("\n## HTTP (loopback, wrk -t2, bench_server on SQLite)\n")
print(
    "`POST /verify` is a thin JSON route calling `Engine::verify_token_detailed` (wrong token, "
    "throttling off, 64 devices round robin: every request evaluates 3 HMACs and commits one "
    "write, answered 401 `invalid_token`); `GET /hello` is a bare axum route on the same server. "
    "The in-process rate is the same engine, database, token and devices measured inside the "
    "server process just before the HTTP runs.\n"
)
print("| connections | route | requests/s | p50 ms | p99 ms | non-2xx | socket errors |")
print("|---:|---|---:|---:|---:|---:|---|")
results = {}
for c in (8, 64):
    for route in ("hello", "verify"):
        w = wrk(out / f"wrk-{route}-{c}.log")
        results[(c, route)] = w
        print(
            f"| {c} | {route} | {w['rps']:.0f} | {w['p50']:.2f} | {w['p99']:.2f} | "
            f"{w['non2xx']} of {w['total']} | {w['errors']} |"
        )
print(f"\nServer peak RSS (VmHWM) after all runs: **{rss}**.\n")
for c in (8, 64):
    v = results[(c, "verify")]
    h = results[(c, "hello")]
    ip = inproc.get(c)
    r1 = v["rps"] / ip if ip else float("nan")
    r2 = v["rps"] / h["rps"]
    print(
        f"- {c} connections: HTTP verify {v['rps']:.0f}/s vs in-process {ip:.0f}/s = "
        f"**{r1:.2f}×** (target ≥ 0.6: {'met' if r1 >= 0.6 else 'MISSED'}); vs hello "
        f"{h['rps']:.0f}/s = **{r2:.2f}×** (target ≥ 0.25: {'met' if r2 >= 0.25 else 'MISSED'}); "
        f"p99 {v['p99']:.2f} ms (target < 5 ms: {'met' if v['p99'] < 5 else 'MISSED'})"
    )
