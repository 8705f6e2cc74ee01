// SpMV y = A x with locate (SAM's iterate-locate; cf. sparse_spmv.mlir):
// x's dense level is not scanned and intersected with A's row; each of the
// row's coordinates j locates x's reference 0 * 4 + j directly. A is CSR,
// x dense, both bound at run time.
func.func @spmv_locate() {
  %r = step.root
  %i, %ri = step.fiber_lookup %r tensor "A" mode 0 "dense" dim 3 : !step.stream<[1], ref>
  %j, %rj = step.fiber_lookup %ri tensor "A" mode 1 "compressed" name "J" : !step.stream<[1, 3], ref>
  %xr = step.root
  %xri = step.fiber_repeat %xr, %i : !step.stream<[1], ref>, !step.stream<[1, 3], crd>
  %k, %ra, %rx = step.locate %j, %rj, %xri dim 4
      : !step.stream<[1, 3, ragged<J>], crd>, !step.stream<[1, 3, ragged<J>], ref>, !step.stream<[1, 3], ref>
  step.sink %k : !step.stream<[1, 3, ragged<J>], crd>
  %va = step.array_val %ra tensor "A" : !step.stream<[1, 3, ragged<J>], ref>
  %vx = step.array_val %rx tensor "x" : !step.stream<[1, 3, ragged<J>], ref>
  %p = step.map %va, %vx : !step.stream<[1, 3, ragged<J>], tile<1x1xf32>>, !step.stream<[1, 3, ragged<J>], tile<1x1xf32>> {
  ^bb0(%a: !step.tile<1x1xf32>, %b: !step.tile<1x1xf32>):
    %m = step.mul %a, %b : !step.tile<1x1xf32>, !step.tile<1x1xf32>
    step.yield %m : !step.tile<1x1xf32>
  }
  %y = step.reduce %p kind "add" : !step.stream<[1, 3, ragged<J>], tile<1x1xf32>>
  step.val_write %y tensor "y" : !step.stream<[1, 3], tile<1x1xf32>>
  return
}
