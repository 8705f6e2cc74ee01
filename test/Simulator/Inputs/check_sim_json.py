#!/usr/bin/env python3
"""Checks step-sim's JSON outputs.

  check_sim_json.py stats STATS.json
      `--stats json`: valid JSON with the documented keys and types; per
      operator, busy + stalled_in + stalled_out + idle = cycles and
      utilization = busy / cycles; the totals add up (total_flops, allocated
      FLOPs/cycle, achieved = total_flops / cycles).
  check_sim_json.py trace TRACE.json STATS.json
      `--trace`: valid JSON with traceEvents; one "M" (thread_name) event per
      operator, "X" events inside [0, cycles] whose durations add up to the
      operator's busy cycles.

Prints a summary line; exits 1 with the first problem.
"""
import collections
import json
import sys

TOP = {"cycles": int, "offchip_bytes_read": int, "offchip_bytes_written": int,
       "offchip_requests": int, "peak_onchip_bytes": int,
       "allocated_flops_per_cycle": int, "achieved_flops_per_cycle": (int, float),
       "total_flops": int, "wall_seconds": (int, float), "transfers": int,
       "operators": list}
OPERATOR = {"id": int, "kind": str, "location": str, "busy": int, "stalled_in": int,
            "stalled_out": int, "idle": int, "utilization": (int, float),
            "flops": int, "compute_bw": int}


def fail(msg):
    print("check_sim_json: " + msg)
    sys.exit(1)


def check_keys(obj, spec, where):
    if set(obj) != set(spec):
        fail(f"{where}: keys {sorted(obj)}, expected {sorted(spec)}")
    for k, t in spec.items():
        if not isinstance(obj[k], t) or isinstance(obj[k], bool):
            fail(f"{where}: '{k}' is {obj[k]!r}")


def load(path):
    with open(path) as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            fail(f"{path}: not valid JSON: {e}")


def stats(path):
    s = load(path)
    check_keys(s, TOP, "stats")
    cycles = s["cycles"]
    if cycles <= 0:
        fail(f"cycles {cycles}")
    ids = set()
    for o in s["operators"]:
        check_keys(o, OPERATOR, f"operator {o.get('id')}")
        ids.add(o["id"])
        total = o["busy"] + o["stalled_in"] + o["stalled_out"] + o["idle"]
        if total != cycles:
            fail(f"operator {o['id']}: busy+stalls+idle = {total}, cycles {cycles}")
        if abs(o["utilization"] - o["busy"] / cycles) > 1e-5:
            fail(f"operator {o['id']}: utilization {o['utilization']}")
    if ids != set(range(len(s["operators"]))):
        fail(f"operator ids {sorted(ids)}")
    if sum(o["flops"] for o in s["operators"]) != s["total_flops"]:
        fail("total_flops is not the operators' sum")
    if sum(o["compute_bw"] for o in s["operators"]) != s["allocated_flops_per_cycle"]:
        fail("allocated_flops_per_cycle is not the operators' sum")
    if abs(s["achieved_flops_per_cycle"] - s["total_flops"] / cycles) > 0.01:
        fail(f"achieved_flops_per_cycle {s['achieved_flops_per_cycle']}")
    print(f"stats OK: {len(s['operators'])} operators, {cycles} cycles")
    return s


def trace(path, stats_path):
    s = stats(stats_path)
    t = load(path)
    events = t.get("traceEvents")
    if not isinstance(events, list):
        fail("no traceEvents list")
    names, busy = {}, collections.Counter()
    for e in events:
        ph = e.get("ph")
        if ph == "M":
            if e.get("name") != "thread_name" or "name" not in e.get("args", {}):
                fail(f"bad metadata event {e}")
            names[e["tid"]] = e["args"]["name"]
        elif ph == "X":
            ts, dur = e.get("ts"), e.get("dur")
            if not (isinstance(ts, int) and isinstance(dur, int)) or ts < 0 or dur <= 0 \
                    or ts + dur > s["cycles"]:
                fail(f"bad complete event {e}")
            busy[e["tid"]] += dur
        else:
            fail(f"unexpected event phase {ph!r}")
    for o in s["operators"]:
        if names.get(o["id"], "").split(" ")[:2] != [str(o["id"]), o["kind"]]:
            fail(f"operator {o['id']}: thread name {names.get(o['id'])!r}")
        if busy[o["id"]] != o["busy"]:
            fail(f"operator {o['id']}: X events cover {busy[o['id']]} cycles, busy {o['busy']}")
    if set(names) != {o["id"] for o in s["operators"]}:
        fail(f"thread names for {sorted(names)}")
    print(f"trace OK: {len(names)} threads, "
          f"{sum(1 for e in events if e['ph'] == 'X')} busy intervals")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "stats":
        stats(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "trace":
        trace(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
