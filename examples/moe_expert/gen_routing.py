#!/usr/bin/env python3
"""Writes a top-k routing trace (CSV `token,expert_0,...`) whose per-expert
token counts are given, for example STeP's calibration counts. Only the
counts come from STeP's trace (Mixtral-8x7B, iteration 8, layer 10, batch
64); which token goes to which expert is synthetic: the token slots are
filled expert by expert, and token t takes slots t, t + T, t + 2T, ...

That order sends each expert a contiguous run of tokens. At large batches it
can deadlock the MoE graph with depth-2 FIFOs (the reassembly waits for an
expert whose tile is not full while the other experts' outputs fill their
FIFOs), so --shuffle SEED instead deals the slots in a seeded random order,
repairing any token that drew the same expert twice by a swap with another
token; the per-expert counts are unchanged.

Usage: gen_routing.py --counts 13,10,17,14,17,10,24,23 --topk 2 > routing.csv
       gen_routing.py --counts 236,219,279,215,164,414,301,220 --topk 2 --shuffle 1
"""
import argparse
import random
import sys


def shuffled_rows(counts, tokens, topk, seed):
    """k distinct experts per token, slots dealt in a seeded random order."""
    rng = random.Random(seed)
    slots = [e for e, c in enumerate(counts) for _ in range(c)]
    rng.shuffle(slots)
    rows = [slots[t * topk:(t + 1) * topk] for t in range(tokens)]
    for t in range(tokens):
        for j in range(topk):
            if rows[t][j] not in rows[t][:j]:
                continue
            # Swap the duplicate with a slot of another token that takes
            # neither expert twice afterwards.
            for u in rng.sample(range(tokens), tokens):
                if u == t:
                    continue
                for i in range(topk):
                    a, b = rows[t][j], rows[u][i]
                    if b not in rows[t] and a not in rows[u]:
                        rows[t][j], rows[u][i] = b, a
                        break
                else:
                    continue
                break
            else:
                sys.exit("gen_routing.py: could not separate a token's duplicate experts")
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--counts", required=True, help="tokens per expert, comma separated")
    p.add_argument("--topk", type=int, required=True)
    p.add_argument("--shuffle", type=int, metavar="SEED", default=None,
                   help="deal the token slots in a seeded random order")
    a = p.parse_args()
    counts = [int(c) for c in a.counts.split(",")]
    total = sum(counts)
    if a.topk < 1 or total % a.topk:
        p.error("the counts must sum to a multiple of --topk")
    tokens = total // a.topk
    if max(counts) > tokens:
        p.error("an expert cannot take more tokens than there are")
    if a.shuffle is not None:
        rows = shuffled_rows(counts, tokens, a.topk, a.shuffle)
    else:
        slots = [e for e, c in enumerate(counts) for _ in range(c)]
        rows = [[slots[t + j * tokens] for j in range(a.topk)] for t in range(tokens)]
    out = ["token," + ",".join(f"expert_{j}" for j in range(a.topk))]
    for t, row in enumerate(rows):
        out.append(f"{t}," + ",".join(str(e) for e in row))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
