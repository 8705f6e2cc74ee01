#!/usr/bin/env python3
"""Runs every step test (lit + FileCheck suites and GoogleTest binaries via lit)
and ends with the line `N passed, N failed` (skipped tests are reported too).

Usage: run-tests.py BUILD_DIR [extra lit args...]
"""
import json
import os
import subprocess
import sys
import tempfile

LIT = "/usr/lib/llvm-19/build/utils/lit/lit.py"
PASS = {"PASS", "XFAIL", "FLAKYPASS"}
SKIP = {"UNSUPPORTED", "SKIPPED", "EXCLUDED"}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = sys.argv[1]
    suites = [os.path.join(build, "test"), os.path.join(build, "test", "Unit")]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "results.json")
        cmd = [sys.executable, LIT, "-sv", "-j2", "-o", out] + sys.argv[2:] + suites
        proc = subprocess.run(cmd)
        results = []
        if os.path.exists(out):
            with open(out) as f:
                results = json.load(f).get("tests", [])
    passed = sum(1 for t in results if t["code"] in PASS)
    skipped = sum(1 for t in results if t["code"] in SKIP)
    failed = [t["name"] for t in results if t["code"] not in PASS | SKIP]
    for name in failed:
        print(f"FAILED: {name}")
    if not results:
        print("no test results: lit did not run (see above)")
        failed = ["lit"]
    line = f"{passed} passed, {len(failed)} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    sys.exit(0 if not failed and proc.returncode == 0 else 1)


if __name__ == "__main__":
    main()
