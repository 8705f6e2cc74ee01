// RUN: step-opt %s --split-input-file --verify-diagnostics --step-sam-parallelize="level=1 factor=4"
// Option errors, reported on the module:
// RUN: not step-opt %s --split-input-file --step-sam-parallelize="level=1 factor=0" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=FACTOR
// FACTOR: error: --step-sam-parallelize: expected a factor >= 1, got 0
// RUN: not step-opt %s --split-input-file --step-sam-parallelize="level=0 factor=2" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=LEVEL
// LEVEL: error: --step-sam-parallelize: expected a level >= 1 (1 is the outermost loop level), got 0
// RUN: not step-opt %s --split-input-file --step-sam-parallelize="level=1,2 factor=2" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=LISTS
// LISTS: error: --step-sam-parallelize: expected as many factors as levels, got 2 levels and 1 factors
// RUN: not step-opt %s --split-input-file --step-sam-parallelize="level=1 factor=2 funcs=nope" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=FUNCS
// FUNCS: error: --step-sam-parallelize: no function @nope
// A level no stream reaches:
// RUN: not step-opt %s --split-input-file --step-sam-parallelize="level=5 factor=2" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEEP
// DEEP: error: --step-sam-parallelize: no level 5 in @rows3 (its streams reach level 2)

// Three rows over four lanes: a lane would get an empty row fiber, which
// the column level's stop tokens cannot express.
func.func @rows3() {
  %0 = step.root
  // expected-error @+1 {{cannot parallelize level 1 over 4 lanes: its fibers are only known to hold 3 element(s)}}
  %i, %ri = step.fiber_lookup %0 tensor "A" mode 0 "dense" dim 3 : !step.stream<[1], ref>
  step.sink %i : !step.stream<[1, 3], crd>
  %j, %rj = step.fiber_lookup %ri tensor "A" mode 1 "compressed" name "L0" : !step.stream<[1, 3], ref>
  step.sink %j : !step.stream<[1, 3, ragged<L0>], crd>
  %v = step.array_val %rj tensor "A" : !step.stream<[1, 3, ragged<L0>], ref>
  step.val_write %v tensor "output" : !step.stream<[1, 3, ragged<L0>], tile<1x1xf32>>
  return
}

// -----

// A compressed row level: its fibers may hold fewer rows than lanes.
func.func @sparse_rows() {
  %0 = step.root
  // expected-error @+1 {{its fibers are only known to hold 0 element(s)}}
  %i, %ri = step.fiber_lookup %0 tensor "A" mode 0 "compressed" name "R" : !step.stream<[1], ref>
  step.sink %i : !step.stream<[1, ragged<R>], crd>
  %j, %rj = step.fiber_lookup %ri tensor "A" mode 1 "compressed" name "L0" : !step.stream<[1, ragged<R>], ref>
  step.sink %j : !step.stream<[1, ragged<R>, ragged<L0>], crd>
  %v = step.array_val %rj tensor "A" : !step.stream<[1, ragged<R>, ragged<L0>], ref>
  step.val_write %v tensor "output" : !step.stream<[1, ragged<R>, ragged<L0>], tile<1x1xf32>>
  return
}

// -----

// Two joiners of the same rows (the same names, so the types agree) are two
// fork groups; a map pairing their values would pair different lanes.
func.func @mixed() {
  %0 = step.root
  %ia, %ria = step.fiber_lookup %0 tensor "A" mode 0 "dense" dim 8 : !step.stream<[1], ref>
  %1 = step.root
  %ib, %rib = step.fiber_lookup %1 tensor "B" mode 0 "dense" dim 8 : !step.stream<[1], ref>
  %i, %ra, %rb = step.intersect crds(%ia, %ib) refs(%ria, %rib) name "I"
      : (!step.stream<[1, 8], crd>, !step.stream<[1, 8], crd>), (!step.stream<[1, 8], ref>, !step.stream<[1, 8], ref>)
  step.sink %i : !step.stream<[1, ragged<I>], crd>
  %2 = step.root
  %ic, %ric = step.fiber_lookup %2 tensor "C" mode 0 "dense" dim 8 : !step.stream<[1], ref>
  %3 = step.root
  %id, %rid = step.fiber_lookup %3 tensor "D" mode 0 "dense" dim 8 : !step.stream<[1], ref>
  %i2, %rc, %rd = step.intersect crds(%ic, %id) refs(%ric, %rid) name "I"
      : (!step.stream<[1, 8], crd>, !step.stream<[1, 8], crd>), (!step.stream<[1, 8], ref>, !step.stream<[1, 8], ref>)
  step.sink %i2 : !step.stream<[1, ragged<I>], crd>
  step.sink %rb : !step.stream<[1, ragged<I>], ref>
  step.sink %rd : !step.stream<[1, ragged<I>], ref>
  %va = step.array_val %ra tensor "A" : !step.stream<[1, ragged<I>], ref>
  // expected-note @+1 {{the stream comes from here}}
  %vc = step.array_val %rc tensor "C" : !step.stream<[1, ragged<I>], ref>
  // expected-error @+1 {{cannot parallelize level 1: the operator combines the forked level-1 streams with a level-1 stream that is not forked}}
  %p = step.map %va, %vc : !step.stream<[1, ragged<I>], tile<1x1xf32>>, !step.stream<[1, ragged<I>], tile<1x1xf32>> {
  ^bb0(%a: !step.tile<1x1xf32>, %b: !step.tile<1x1xf32>):
    %m = step.mul %a, %b : !step.tile<1x1xf32>, !step.tile<1x1xf32>
    step.yield %m : !step.tile<1x1xf32>
  }
  step.val_write %p tensor "output" : !step.stream<[1, ragged<I>], tile<1x1xf32>>
  return
}

// -----

// The level's scan feeds only writers: nothing runs per lane.
// expected-error @+1 {{nothing to parallelize at level 1 in @writers_only: no scan or joiner of the level feeds per-element work}}
func.func @writers_only() {
  %0 = step.root
  %i, %ri = step.fiber_lookup %0 tensor "A" mode 0 "dense" dim 8 : !step.stream<[1], ref>
  step.fiber_write %i tensor "C" mode 0 : !step.stream<[1, 8], crd>
  step.sink %ri : !step.stream<[1, 8], ref>
  return
}
