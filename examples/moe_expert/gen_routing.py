#!/usr/bin/env python3
"""Writes a top-k routing trace (CSV `token,expert_0,...`) whose per-expert
token counts are given, for example STeP's calibration counts. Only the
counts come from STeP's trace (Mixtral-8x7B, iteration 8, layer 10, batch
64); which token goes to which expert is synthetic: the token slots are
filled expert by expert, and token t takes slots t, t + T, t + 2T, ...

Usage: gen_routing.py --counts 13,10,17,14,17,10,24,23 --topk 2 > routing.csv
"""
import argparse
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--counts", required=True, help="tokens per expert, comma separated")
    p.add_argument("--topk", type=int, required=True)
    a = p.parse_args()
    counts = [int(c) for c in a.counts.split(",")]
    total = sum(counts)
    if a.topk < 1 or total % a.topk:
        p.error("the counts must sum to a multiple of --topk")
    tokens = total // a.topk
    if max(counts) > tokens:
        p.error("an expert cannot take more tokens than there are")
    slots = [e for e, c in enumerate(counts) for _ in range(c)]
    out = ["token," + ",".join(f"expert_{j}" for j in range(a.topk))]
    for t in range(tokens):
        out.append(f"{t}," + ",".join(str(slots[t + j * tokens]) for j in range(a.topk)))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
