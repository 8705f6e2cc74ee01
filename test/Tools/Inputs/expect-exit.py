#!/usr/bin/env python3
"""Runs a command and checks its exit code exactly (lit's `not` only checks
for non-zero, and a crash is non-zero too). Prints the command's stdout and
stderr so FileCheck can read the diagnostic.

Usage: expect-exit.py CODE CMD [ARGS...]
"""
import subprocess
import sys

want = int(sys.argv[1])
proc = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
sys.stdout.write(proc.stdout.decode(errors="replace"))
if proc.returncode != want:
    sys.stdout.write(f"expect-exit: exit code {proc.returncode}, expected {want}\n")
    sys.exit(1)
