// --step-sam-estimate on hand-built SAM graphs; the numbers are derived by
// hand from the statistics (A: 3 x 4 CSR with 5 coordinates in 3 non-empty
// rows, B: 6 coordinates).
// RUN: printf '# TENSOR MODE EXTENT FIBERS CRDS NONEMPTY\nA 1 4 3 5 3\nB 1 4 3 6 3\n' > %t.stats
// RUN: step-opt %s --step-sam-estimate="stats=%t.stats" -o /dev/null | FileCheck %s
// One function only:
// RUN: step-opt %s --step-sam-estimate="stats=%t.stats function=spmv_sam" -o /dev/null | FileCheck %s --check-prefix=ONE
// The IR is not changed.
// RUN: step-opt %s --step-sam-estimate="stats=%t.stats" -o %t.ir > /dev/null
// RUN: step-opt %s -o %t.ref
// RUN: diff %t.ir %t.ref
// A compressed level without statistics is taken as full, with a warning.
// RUN: printf 'A 1 4 3 5 3\n' > %t.noB
// RUN: step-opt %s --step-sam-estimate="stats=%t.noB" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOSTATS
// Bad statistics files are errors naming the file and line.
// RUN: printf 'A 1 4 3 5 3\nB 1 four 3 6\n' > %t.bad
// RUN: not step-opt %s --step-sam-estimate="stats=%t.bad" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: printf 'A 1 4 3 5 9\n' > %t.bad2
// RUN: not step-opt %s --step-sam-estimate="stats=%t.bad2" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD2
// RUN: not step-opt %s --step-sam-estimate="stats=%t.missing" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not step-opt %s --step-sam-estimate="function=nope_sam" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOFUNC

// SpMV y = A x: the scan reads 8 B of seg per row and 4 B per coordinate
// (3 * 8 + 5 * 4 = 44), both value loads 5 * 4; 5 products, and the
// reduction adds 5 - 3 (every row is non-empty); y written: 3 values.
// CHECK: sam estimate @spmv_sam: flops 7, bytes read 84, written 12
// ONE: sam estimate @spmv_sam: flops 7, bytes read 84, written 12
// ONE-NOT: @ew_sam
// ONE: module sam estimate: flops 7, bytes 96 (read 84, written 12)

// A .* B: an intersection of independent rows, 3 rows x 4 x (5/12) x
// (6/12) = 2.5 coordinates, written with a stop per row (4 * 2.5 + 12);
// the union of A's row with its own copy stays A's 5 coordinates
// (4 * 5 + 12), not the 7.9 of two independent rows.
// CHECK: sam estimate @ew_sam: flops 0, bytes read 92, written 54
// CHECK: module sam estimate: flops 7, bytes 242 (read 176, written 66)

// NOSTATS: warning: --step-sam-estimate: no statistics for 'B' mode 1 (stats=FILE): assumed full (density 1)
// BAD: error: --step-sam-estimate: {{.*}}.bad:2: expected 'TENSOR MODE EXTENT FIBERS CRDS [NONEMPTY]'
// BAD2: error: --step-sam-estimate: {{.*}}.bad2:1: expected
// MISSING: error: --step-sam-estimate: cannot read stats file '{{.*}}.missing'
// NOFUNC: error: --step-sam-estimate: no lowered '@*_sam' function named 'nope_sam'

func.func @spmv_sam() {
  %r = step.root
  %i, %ri = step.fiber_lookup %r tensor "A" mode 0 "dense" dim 3 : !step.stream<[1], ref>
  %j, %rj = step.fiber_lookup %ri tensor "A" mode 1 "compressed" name "J" : !step.stream<[1, 3], ref>
  %xr = step.root
  %xp = step.fiber_repeat %xr, %i : !step.stream<[1], ref>, !step.stream<[1, 3], crd>
  %jc, %ra, %rx = step.locate %j, %rj, %xp dim 4 : !step.stream<[1, 3, ragged<J>], crd>, !step.stream<[1, 3, ragged<J>], ref>, !step.stream<[1, 3], ref>
  step.sink %jc : !step.stream<[1, 3, ragged<J>], crd>
  %a = step.array_val %ra tensor "A" : !step.stream<[1, 3, ragged<J>], ref>
  %x = step.array_val %rx tensor "x" : !step.stream<[1, 3, ragged<J>], ref>
  %p = step.map %a, %x : !step.stream<[1, 3, ragged<J>], tile<1x1xf32>>, !step.stream<[1, 3, ragged<J>], tile<1x1xf32>> {
  ^bb0(%u: !step.tile<1x1xf32>, %v: !step.tile<1x1xf32>):
    %m = step.mul %u, %v : !step.tile<1x1xf32>, !step.tile<1x1xf32>
    step.yield %m : !step.tile<1x1xf32>
  }
  %y = step.reduce %p kind "add" : !step.stream<[1, 3, ragged<J>], tile<1x1xf32>>
  step.val_write %y tensor "output" : !step.stream<[1, 3], tile<1x1xf32>>
  return
}

func.func @ew_sam() {
  %r = step.root
  %i, %ri = step.fiber_lookup %r tensor "A" mode 0 "dense" dim 3 : !step.stream<[1], ref>
  %ja, %rja = step.fiber_lookup %ri tensor "A" mode 1 "compressed" name "JA" : !step.stream<[1, 3], ref>
  %rb = step.root
  %ib, %rib = step.fiber_lookup %rb tensor "B" mode 0 "dense" dim 3 : !step.stream<[1], ref>
  %jb, %rjb = step.fiber_lookup %rib tensor "B" mode 1 "compressed" name "JB" : !step.stream<[1, 3], ref>
  %k, %ka, %kb = step.intersect crds(%ja, %jb) refs(%rja, %rjb) name "K" : (!step.stream<[1, 3, ragged<JA>], crd>, !step.stream<[1, 3, ragged<JB>], crd>), (!step.stream<[1, 3, ragged<JA>], ref>, !step.stream<[1, 3, ragged<JB>], ref>)
  step.fiber_write %k tensor "C" mode 1 : !step.stream<[1, 3, ragged<K>], crd>
  %u, %u0, %u1 = step.union crds(%ja, %ja) refs(%rja, %rja) name "U" : (!step.stream<[1, 3, ragged<JA>], crd>, !step.stream<[1, 3, ragged<JA>], crd>), (!step.stream<[1, 3, ragged<JA>], ref>, !step.stream<[1, 3, ragged<JA>], ref>)
  step.fiber_write %u tensor "D" mode 1 : !step.stream<[1, 3, ragged<U>], crd>
  step.sink %u0 : !step.stream<[1, 3, ragged<U>], ref>
  step.sink %u1 : !step.stream<[1, 3, ragged<U>], ref>
  return
}
