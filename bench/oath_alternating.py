#!/usr/bin/env python3
"""The token-maths targets measured in alternating rounds (issue 6), the load-robust
instrument beside criterion: `oath_ops OP both ALG N` runs 15 rounds of N operations of otpkit
and of totp-rs, alternating, and prints each library's best round and the speed ratio (totp-rs
time / otpkit time). Each (OP, ALG) is run 5 times; the median ratio is reported with the
range. Criterion measures each function in its own 1.2 s window, one after another, so a change
of the shared machine's speed between two windows moves its ratios; here both libraries see
the same seconds.

usage: oath_alternating.py PATH/TO/oath_ops"""
import statistics
import subprocess
import sys

exe = sys.argv[1]
RUNS = 5
OPS = (
    ("hotp", "HOTP generation", 1.0),
    ("totp-current", "TOTP tol 1, token matches the current step", 0.95),
    ("totp-none", "TOTP tol 1, token matches no step", 1.4),
)
ALGS = ("SHA1", "SHA256", "SHA512")

print("\n### Token-maths targets in alternating rounds (`oath_ops OP both ALG N`)\n")
print(f"Median of {RUNS} runs; each run is the best of 15 alternating rounds per library.\n")
print("| operation | algorithm | otpkit ns (median) | totp-rs ns (median) | ratio median | ratio range | target |")
print("|---|---|---:|---:|---:|---|---|")
results = []
for op, label, need in OPS:
    for alg in ALGS:
        n = "4000" if alg == "SHA512" else "20000"
        ours, theirs, ratios = [], [], []
        for _ in range(RUNS):
            out = subprocess.run([exe, op, "both", alg, n], check=True, capture_output=True, text=True).stdout
            # "otpkit 236.1 ns, totp-rs 235.1 ns, 1.00x"
            parts = out.replace(",", "").split()
            ours.append(float(parts[1]))
            theirs.append(float(parts[4]))
            ratios.append(float(parts[6].rstrip("x")))
        r = statistics.median(ratios)
        status = "met" if r >= need else "MISSED"
        print(f"| {label} | {alg} | {statistics.median(ours):.0f} | {statistics.median(theirs):.0f} | "
              f"**{r:.2f}×** | {min(ratios):.2f}–{max(ratios):.2f}× | ≥ {need}×: {status} |")
        results.append((label, alg, r, need))

print("\nTargets (alternating rounds):\n")
for label, alg, r, need in results:
    print(f"- {label} {alg} ≥ {need}× totp-rs: **{r:.2f}×** {'met' if r >= need else 'MISSED'}")
