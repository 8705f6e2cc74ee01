#!/usr/bin/env python3
"""Checks the CSV of scripts/hdl_validation.py: the exact columns, the 15
(tile_b, tile_inter) points, simulated cycles within TOLERANCE of STeP's
simulator on every row, and the off-chip traffic of the schedule
(gen_swiglu.py, f32, batch 64, dim 256, inter 512):

  x  [B, D] read once per (m, n):        B*D*4 * (F / tile_inter)
  Wg, Wu [D, F], Wd [F, D] once per m:   3 * D*F*4 * (B / tile_b)
  out [B, D] written once:               B*D*4

Prints one line per row; exits 1 if any check fails.

Usage: check_hdl_csv.py FILE.csv [--tolerance 0.05]
"""
import argparse
import csv
import sys

COLUMNS = ["tile_b", "tile_inter", "cycles", "step_sim_cycles", "offchip_bytes"]
POINTS = {(tb, tn) for tb in (16, 32, 64) for tn in (16, 32, 64, 128, 256)}
B, D, F, ELEM = 64, 256, 512, 4


def main():
    p = argparse.ArgumentParser()
    p.add_argument("csv")
    p.add_argument("--tolerance", type=float, default=0.05)
    a = p.parse_args()
    errors = []
    with open(a.csv, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != COLUMNS:
        sys.exit(f"check_hdl_csv: columns {rows[0] if rows else None}, expected {COLUMNS}")
    seen = set()
    for line, row in enumerate(rows[1:], start=2):
        try:
            tb, tn, cycles, ref, traffic = map(int, row)
        except ValueError:
            errors.append(f"line {line}: {row} is not five integers")
            continue
        if (tb, tn) not in POINTS or (tb, tn) in seen:
            errors.append(f"line {line}: unexpected or repeated point ({tb}, {tn})")
        seen.add((tb, tn))
        err = abs(cycles - ref) / ref
        want = B * D * ELEM * (F // tn) + 3 * D * F * ELEM * (B // tb) + B * D * ELEM
        print(f"{tb},{tn}: cycles {cycles}, STeP {ref}, error {100 * err:.2f}%, "
              f"off-chip {traffic} B (expected {want})")
        if err > a.tolerance:
            errors.append(f"line {line}: ({tb}, {tn}) is {100 * err:.2f}% off STeP's "
                          f"simulator (tolerance {100 * a.tolerance:.0f}%)")
        if traffic != want:
            errors.append(f"line {line}: ({tb}, {tn}) moves {traffic} B off chip, "
                          f"expected {want}")
    if seen != POINTS:
        errors.append(f"missing points: {sorted(POINTS - seen)}")
    for e in errors:
        print("check_hdl_csv: " + e)
    if errors:
        sys.exit(1)
    print(f"check_hdl_csv: {len(seen)} points OK")


if __name__ == "__main__":
    main()
