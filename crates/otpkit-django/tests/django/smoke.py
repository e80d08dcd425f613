#!/usr/bin/env python3
"""A check of harness.py without Rust: `make`, then `codes`, then `verify` of every code
on a temporary SQLite file and (with --postgres) on a scratch PostgreSQL database.

    smoke.py --python VENV/bin/python [--postgres postgres://postgres@127.0.0.1:5432]

Each TOTP/HOTP device's `code_at_t` must be accepted by django-otp and its
`last_accepted` refused (verify rolls back, so each check sees the state `make` left);
then `mutate` runs and `codes` must show the Tablet's last_t risen.
Stdlib only; the scratch database is created and dropped with psql.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness.py")
NOW = 1_800_000_000


def run(python, *args):
    out = subprocess.run([python, HARNESS, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def check(python, db):
    made = run(python, "make", "--db", db, "--now", str(NOW))
    print(f"{db}: make: {len(made['devices'])} devices, {len(made['users'])} users")
    at = NOW + 30
    codes = run(python, "codes", "--db", db, "--at", str(at))
    failures = 0
    for entry in codes["devices"]:
        results = []
        for field, want in (("code_at_t", True), ("last_accepted", False)):
            token = entry.get(field)
            if token is None:
                continue
            got = run(python, "verify", "--db", db, "--at", str(at), "--pid", entry["pid"],
                      "--token", token)["accepted"]
            failures += got != want
            results.append(f"{field}={token} accepted={got}{'' if got == want else ' WRONG'}")
        if results:
            print(f"  {entry['pid']}: {'; '.join(results)}")
    again = run(python, "codes", "--db", db, "--at", str(at))
    if again != codes:
        failures += 1
        print("  WRONG: codes or verify changed the database")
    failures += check_mutate(python, db, made)
    return failures


def check_mutate(python, db, made):
    later = NOW + 3600
    mutated = run(python, "mutate", "--db", db, "--now", str(later))
    print(f"  mutate: {mutated}")
    codes = run(python, "codes", "--db", db, "--at", str(later))
    tablet = mutated["changed"][0]
    before = next(d["last_t"] for d in made["devices"] if d["pid"] == tablet)
    after = next(d for d in codes["devices"] if d["pid"] == tablet)
    risen = after["last_t"] > before and after["code_at_t"] is not None
    fresh = run(python, "verify", "--db", db, "--at", str(later), "--pid", tablet,
                "--token", after["last_accepted"])["accepted"]
    print(f"  {tablet}: last_t {before} -> {after['last_t']}; "
          f"the code mutate used, again: accepted={fresh}")
    return int(not risen) + int(fresh)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--postgres", help="server URL without a database name")
    args = parser.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        failures += check(args.python, f"sqlite:///{tmp}/django.sqlite3")
    if args.postgres:
        name = f"otpkit_django_smoke_{os.getpid()}"
        psql = ["psql", "-q", args.postgres + "/postgres", "-c"]
        subprocess.run(psql + [f"CREATE DATABASE {name}"], check=True)
        try:
            failures += check(args.python, f"{args.postgres}/{name}")
        finally:
            subprocess.run(psql + [f"DROP DATABASE {name}"], check=True)
    print("smoke: OK" if failures == 0 else f"smoke: {failures} FAILURES")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
