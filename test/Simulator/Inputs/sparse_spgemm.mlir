// SpGEMM X = B C in Gustavson's order i -> k -> j (SAM's
// test_matmul_ikj, reference/fuseflow.md §2.5): B is CSR (i dense, k
// compressed), C is CSR (k dense, j compressed). For every i, C's root is
// repeated and its dense k level intersected with B's row; C's row k is
// scanned for j, B's reference repeated along j, the values multiplied.
// The reduction over k is not innermost, so a sparse accumulator of order 1
// sums by j across k; i is held over k and j for it (SAM's coordinate
// holds, here fiber_repeat with the coordinates as the signal). X is
// written as DCSR: rows without a product are elided.
func.func @spgemm() {
  %rb = step.root
  %i0, %rbi = step.fiber_lookup %rb tensor "B" mode 0 "dense" dim 3 : !step.stream<[1], ref>
  %i:2 = step.broadcast %i0 count 2 : !step.stream<[1, 3], crd>
  %kb, %rbk = step.fiber_lookup %rbi tensor "B" mode 1 "compressed" name "KB" : !step.stream<[1, 3], ref>
  %rc = step.root
  %rci = step.fiber_repeat %rc, %i#0 : !step.stream<[1], ref>, !step.stream<[1, 3], crd>
  %kc, %rck = step.fiber_lookup %rci tensor "C" mode 0 "dense" dim 4 : !step.stream<[1, 3], ref>
  %k0, %bk, %ck = step.intersect crds(%kb, %kc) refs(%rbk, %rck) name "K"
      : (!step.stream<[1, 3, ragged<KB>], crd>, !step.stream<[1, 3, 4], crd>),
        (!step.stream<[1, 3, ragged<KB>], ref>, !step.stream<[1, 3, 4], ref>)
  %j0, %rcj = step.fiber_lookup %ck tensor "C" mode 1 "compressed" name "J" : !step.stream<[1, 3, ragged<K>], ref>
  %j:3 = step.broadcast %j0 count 3 : !step.stream<[1, 3, ragged<K>, ragged<J>], crd>
  %bkj = step.fiber_repeat %bk, %j#0 : !step.stream<[1, 3, ragged<K>], ref>, !step.stream<[1, 3, ragged<K>, ragged<J>], crd>
  %vb = step.array_val %bkj tensor "B" : !step.stream<[1, 3, ragged<K>, ragged<J>], ref>
  %vc = step.array_val %rcj tensor "C" : !step.stream<[1, 3, ragged<K>, ragged<J>], ref>
  %p = step.map %vb, %vc : !step.stream<[1, 3, ragged<K>, ragged<J>], tile<1x1xf32>>, !step.stream<[1, 3, ragged<K>, ragged<J>], tile<1x1xf32>> {
  ^bb0(%a: !step.tile<1x1xf32>, %b: !step.tile<1x1xf32>):
    %m = step.mul %a, %b : !step.tile<1x1xf32>, !step.tile<1x1xf32>
    step.yield %m : !step.tile<1x1xf32>
  }
  // i held over k, then over j.
  %ik = step.fiber_repeat %i#1, %k0 : !step.stream<[1, 3], crd>, !step.stream<[1, 3, ragged<K>], crd>
  %ikj = step.fiber_repeat %ik, %j#1 : !step.stream<[1, 3, ragged<K>], crd>, !step.stream<[1, 3, ragged<K>, ragged<J>], crd>
  %xj, %xi, %xv = step.spacc %j#2, %ikj, %p order 1 name "XJ" outer_name "XI"
      : !step.stream<[1, 3, ragged<K>, ragged<J>], crd>, !step.stream<[1, 3, ragged<K>, ragged<J>], crd>,
        !step.stream<[1, 3, ragged<K>, ragged<J>], tile<1x1xf32>>
  step.fiber_write %xi tensor "X" mode 0 : !step.stream<[1, ragged<XI>], crd>
  step.fiber_write %xj tensor "X" mode 1 : !step.stream<[1, ragged<XI>, ragged<XJ>], crd>
  step.val_write %xv tensor "X" : !step.stream<[1, ragged<XI>, ragged<XJ>], tile<1x1xf32>>
  return
}
