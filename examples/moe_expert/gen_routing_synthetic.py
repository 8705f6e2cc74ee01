#!/usr/bin/env python3
"""Writes a seeded synthetic top-k routing trace (CSV `token,expert_0,...`)
with prescribed statistics: the number of experts that get no token, the
largest expert load, and the padded row count at a static token tile.

Default: a stand-in for STeP's Qwen3-30B-A3B trace (iteration 32, layer 12,
batch 64), which we do not have. Only its statistics are known
(reference/step.md §7.2, §8.2): 512 selections (64 tokens x top-8) over 128
experts, 68 experts without tokens, at most 42 tokens on one expert, and 1952
padded rows at tile 32 (61 tiles: 60 active experts, exactly one above 32).

How the rest is chosen (fixed before any simulation was run):
- the active experts are a uniformly random subset of the experts; the
  largest one (`--max`) is a random one of them;
- the other active experts' loads follow a log-normal shape (sigma
  `--sigma`, default 0.75, the skew of a popularity distribution with a few
  warm experts and many cold ones), rescaled to the required sum and clipped
  to [1, tile] so that no other expert needs a second tile; the sum is then
  fixed up by +-1 steps on random experts within those bounds;
- tokens: each token takes its top-k distinct experts greedily from the
  experts with the most slots left (which realizes any feasible load vector),
  then the token order and the order inside each row are shuffled, so every
  expert's tokens are spread over the batch (not contiguous blocks).

`--idle-regions P:N,...` also prescribes, for each listed region count P,
that exactly N of the P regions (contiguous blocks of E/P expert ids, as
`--step-time-multiplex` forms them) hold only experts without tokens. The
second Qwen3 stand-in uses the counts inferred from STeP's published on-chip
bytes (64:18,32:6,16:1,8:0,4:0; examples/moe_expert/README.md). The idle
experts are then drawn level by level, coarsest blocks first: a block inside
an idle block is idle; among the others, the idle ones are a uniform choice
of the required number such that no non-idle parent block ends up with all
its children idle (per-parent counts sampled by exact counting, then which
children uniformly). Every subset with the required counts is equally
likely. The loads are then placed on the active experts in random order,
drawn as above.

`--relabel S` then renames the experts by a permutation drawn with seed S
(same loads, different experts sharing a time-multiplexed region): the
sensitivity check of examples/moe_expert/README.md.

Usage: gen_routing_synthetic.py [--seed 32012] [--idle-regions P:N,...]
                                [--relabel S] > routing.csv
"""
import argparse
import math
import random
import re
import sys


def loads(rng, a):
    active = a.experts - a.zero
    rest_sum = a.tokens * a.topk - a.max
    rest_n = active - 1
    if rest_n < 0 or not (rest_n <= rest_sum <= rest_n * a.tile):
        raise SystemExit("gen_routing_synthetic: the statistics are infeasible")
    raw = [math.exp(rng.gauss(0.0, a.sigma)) for _ in range(rest_n)]
    scale = rest_sum / sum(raw)
    rest = [min(a.tile, max(1, round(x * scale))) for x in raw]
    while sum(rest) != rest_sum:
        i = rng.randrange(rest_n)
        if sum(rest) < rest_sum and rest[i] < a.tile:
            rest[i] += 1
        elif sum(rest) > rest_sum and rest[i] > 1:
            rest[i] -= 1
    if a.idle_regions is None:
        experts = rng.sample(range(a.experts), active)
    else:
        idle = set(idle_experts(rng, a.experts, a.zero, a.idle_levels))
        experts = [e for e in range(a.experts) if e not in idle]
        rng.shuffle(experts)
    hot = rng.randrange(active)
    counts = [0] * a.experts
    j = 0
    for k, e in enumerate(experts):
        if k == hot:
            counts[e] = a.max
        else:
            counts[e] = rest[j]
            j += 1
    return counts


def parse_idle_regions(text, experts):
    """`P:N,...` -> [(block size E/P, N)], coarsest block first."""
    levels = {}
    for item in text.split(","):
        m = re.fullmatch(r"\s*([0-9]+):([0-9]+)\s*", item)
        if not m:
            raise SystemExit(f"gen_routing_synthetic: bad --idle-regions item '{item}': "
                             "expected P:N")
        p, n = int(m.group(1)), int(m.group(2))
        if p == 0 or p == experts or experts % p or n > p or p in levels:
            raise SystemExit(f"gen_routing_synthetic: bad --idle-regions item '{item}': "
                             f"P must divide the {experts} experts and be fewer, be "
                             "listed once, and N <= P")
        levels[p] = n
    out = sorted(((experts // p, n) for p, n in levels.items()), reverse=True)
    for (big, _), (small, _) in zip(out, out[1:]):
        if big % small:
            raise SystemExit("gen_routing_synthetic: --idle-regions blocks must nest "
                             f"({small} experts per region does not divide {big})")
    return out


def idle_experts(rng, experts, zero, levels):
    """A uniformly random set of `zero` experts such that, for every (size, n)
    of `levels` (parse_idle_regions), exactly n blocks of `size` consecutive
    experts lie wholly inside the set."""
    levels = levels + [(1, zero)]
    parent_size, idle = experts, set()  # idle blocks of the previous level (by index)
    for size, n in levels:
        k = parent_size // size  # children per parent block
        forced = [c for b in idle for c in range(b * k, (b + 1) * k)]
        free = [b for b in range(experts // parent_size) if b not in idle]
        need = n - len(forced)
        # ways[g][r]: ways to make r children idle among free parents g.., at
        # most k - 1 under each (a parent with all children idle is idle).
        ways = [[0] * (need + 1) for _ in range(len(free) + 1)] if need >= 0 else []
        if need >= 0:
            ways[len(free)][0] = 1
            for g in range(len(free) - 1, -1, -1):
                for r in range(need + 1):
                    ways[g][r] = sum(math.comb(k, j) * ways[g + 1][r - j]
                                     for j in range(min(k - 1, r) + 1))
        if need < 0 or ways[0][need] == 0:
            what = (f"{n} experts without tokens" if size == 1 else
                     f"{n} idle regions at P={experts // size}")
            raise SystemExit(f"gen_routing_synthetic: {what} cannot be combined with "
                             "the coarser idle-region counts")
        chosen, r = list(forced), need
        for g, b in enumerate(free):
            pick = rng.randrange(ways[g][r])
            for j in range(min(k - 1, r) + 1):
                w = math.comb(k, j) * ways[g + 1][r - j]
                if pick < w:
                    break
                pick -= w
            chosen += rng.sample(range(b * k, (b + 1) * k), j)
            r -= j
        idle, parent_size = set(chosen), size
    return sorted(idle)


def assign(rng, counts, tokens, topk):
    left = list(counts)
    rows = []
    for _ in range(tokens):
        order = sorted(range(len(left)), key=lambda e: (-left[e], rng.random()))
        pick = order[:topk]
        if any(left[e] == 0 for e in pick):
            raise SystemExit("gen_routing_synthetic: loads not realizable")
        for e in pick:
            left[e] -= 1
        rng.shuffle(pick)
        rows.append(pick)
    rng.shuffle(rows)
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--experts", type=int, default=128)
    p.add_argument("--tokens", type=int, default=64)
    p.add_argument("--topk", type=int, default=8)
    p.add_argument("--zero", type=int, default=68, help="experts with no token")
    p.add_argument("--max", type=int, default=42, help="tokens of the busiest expert")
    p.add_argument("--tile", type=int, default=32,
                   help="static tile: every other expert stays within one tile")
    p.add_argument("--sigma", type=float, default=0.75, help="log-normal shape")
    p.add_argument("--seed", type=int, default=32012)
    p.add_argument("--idle-regions", default=None, metavar="P:N,...",
                   help="exactly N of P contiguous expert regions get no token, "
                        "for each listed P (e.g. 64:18,32:6,16:1,8:0,4:0)")
    p.add_argument("--relabel", type=int, default=None,
                   help="rename the experts by a permutation drawn with this seed")
    a = p.parse_args()
    a.idle_levels = (None if a.idle_regions is None
                     else parse_idle_regions(a.idle_regions, a.experts))
    rng = random.Random(a.seed)
    counts = loads(rng, a)
    rows = assign(rng, counts, a.tokens, a.topk)
    if a.relabel is not None:
        perm = list(range(a.experts))
        random.Random(a.relabel).shuffle(perm)
        rows = [[perm[e] for e in r] for r in rows]
        relabeled = [0] * a.experts
        for e, c in enumerate(counts):
            relabeled[perm[e]] = c
        counts = relabeled
    out = ["token," + ",".join(f"expert_{j}" for j in range(a.topk))]
    out += [f"{t}," + ",".join(map(str, r)) for t, r in enumerate(rows)]
    sys.stdout.write("\n".join(out) + "\n")
    padded = sum(-(-c // a.tile) * a.tile for c in counts)
    regions = ", ".join(
        f"P={p}: {sum(sum(counts[r * (a.experts // p):(r + 1) * (a.experts // p)]) == 0 for r in range(p))}"
        for p in (64, 32, 16, 8, 4) if a.experts % p == 0)
    print(f"zero-token experts {counts.count(0)}, max {max(counts)}, "
          f"padded rows at tile {a.tile}: {padded}; idle regions {regions}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
