// SpMV y = A x (SAM, i -> j): A is CSR (level 0 dense, level 1 compressed),
// x dense. The root of x is repeated for every row i, x's dense level is
// scanned per row and intersected with A's row; the products are reduced
// over j (innermost) and y's values written. Tensors A, x bound at run
// time (runtime/README.md, "Sparse tensors").
func.func @spmv() {
  %r = step.root
  %i, %ri = step.fiber_lookup %r tensor "A" mode 0 "dense" dim 3 : !step.stream<[1], ref>
  %j, %rj = step.fiber_lookup %ri tensor "A" mode 1 "compressed" name "J" : !step.stream<[1, 3], ref>
  %xr = step.root
  %xri = step.fiber_repeat %xr, %i : !step.stream<[1], ref>, !step.stream<[1, 3], crd>
  %xj, %xrj = step.fiber_lookup %xri tensor "x" mode 0 "dense" dim 4 : !step.stream<[1, 3], ref>
  %k, %ra, %rx = step.intersect crds(%j, %xj) refs(%rj, %xrj) name "K"
      : (!step.stream<[1, 3, ragged<J>], crd>, !step.stream<[1, 3, 4], crd>),
        (!step.stream<[1, 3, ragged<J>], ref>, !step.stream<[1, 3, 4], ref>)
  step.sink %k : !step.stream<[1, 3, ragged<K>], crd>
  %va = step.array_val %ra tensor "A" : !step.stream<[1, 3, ragged<K>], ref>
  %vx = step.array_val %rx tensor "x" : !step.stream<[1, 3, ragged<K>], ref>
  %p = step.map %va, %vx : !step.stream<[1, 3, ragged<K>], tile<1x1xf32>>, !step.stream<[1, 3, ragged<K>], tile<1x1xf32>> {
  ^bb0(%a: !step.tile<1x1xf32>, %b: !step.tile<1x1xf32>):
    %m = step.mul %a, %b : !step.tile<1x1xf32>, !step.tile<1x1xf32>
    step.yield %m : !step.tile<1x1xf32>
  }
  %y = step.reduce %p kind "add" : !step.stream<[1, 3, ragged<K>], tile<1x1xf32>>
  step.val_write %y tensor "y" : !step.stream<[1, 3], tile<1x1xf32>>
  return
}
