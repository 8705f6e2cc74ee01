// Block-sparse SpMM Y = A X: A is BCSR (a CSR pattern over 2x2 dense
// blocks: level 0 dense, level 1 compressed, vals [n, 2, 2]), X dense in
// 2x2 blocks. The sparse iteration is sparse_spmv.mlir's; array_val
// streams whole blocks (`block 2`), the ALU is a block matmul and the
// reducer sums blocks (FuseFlow's sparsity blocking).
func.func @spmm_blocked() {
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
  %va = step.array_val %ra tensor "A" block 2 : !step.stream<[1, 3, ragged<K>], ref>
  %vx = step.array_val %rx tensor "x" block 2 : !step.stream<[1, 3, ragged<K>], ref>
  %p = step.map %va, %vx : !step.stream<[1, 3, ragged<K>], tile<2x2xf32>>, !step.stream<[1, 3, ragged<K>], tile<2x2xf32>> {
  ^bb0(%a: !step.tile<2x2xf32>, %b: !step.tile<2x2xf32>):
    %m = step.matmul %a, %b : !step.tile<2x2xf32>, !step.tile<2x2xf32>
    step.yield %m : !step.tile<2x2xf32>
  }
  %y = step.reduce %p kind "add" : !step.stream<[1, 3, ragged<K>], tile<2x2xf32>>
  step.val_write %y tensor "y" : !step.stream<[1, 3], tile<2x2xf32>>
  return
}
