// RUN: step-opt %s --split-input-file --step-lower-sparse=block=16 | FileCheck %s
// Sparsity blocking (--step-lower-sparse block=B): the levels run over
// 16 x 16 blocks, values are tiles, the scalar bodies become tile ops.
// (Refused cases: lower-sparse-block-invalid.mlir; run against PyTorch:
// test/Sparse/run-step-block.test.)

// SpMV: A's levels over 4 x 4 blocks; x is a vector of one blocked variable,
// oriented [16, 1] as the product needs; the block product contracts j
// (matmul, the operands swapped to A x); the reduce sums [16, 1] tiles
// across the blocks of a row.
#CSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed) }>
func.func @spmv(%A: tensor<64x64xf32, #CSR> loc("A"), %x: tensor<64xf32> loc("x")) -> tensor<64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64xf32>
  %y0 = linalg.fill ins(%z : f32) outs(%e : tensor<64xf32>) -> tensor<64xf32>
  %y = linalg.matvec ins(%A, %x : tensor<64x64xf32, #CSR>, tensor<64xf32>) outs(%y0 : tensor<64xf32>) -> tensor<64xf32>
  return %y : tensor<64xf32>
}
// CHECK-LABEL: func.func @spmv_sam()
// CHECK: step.fiber_lookup %{{.*}} tensor "A" mode 0 "dense" dim 4
// CHECK: step.fiber_lookup %{{.*}} tensor "A" mode 1 "compressed"
// CHECK-DAG: %[[VX:.*]] = step.array_val %{{.*}} tensor "x" tile [16, 1]
// CHECK-DAG: %[[VA:.*]] = step.array_val %{{.*}} tensor "A" block 16
// CHECK: step.map
// CHECK-NEXT: ^bb0(%[[X:.*]]: !step.tile<16x1xf32>, %[[A:.*]]: !step.tile<16x16xf32>):
// CHECK-NEXT: %[[P:.*]] = step.matmul %[[A]], %[[X]] : !step.tile<16x16xf32>, !step.tile<16x1xf32>
// CHECK-NEXT: step.yield %[[P]] : !step.tile<16x1xf32>
// CHECK: %[[S:.*]] = step.reduce %{{.*}} kind "add" outer %{{.*}} : !step.stream<[1, 4, ragged<L0>], tile<16x1xf32>>
// CHECK: step.val_write %[[S]] tensor "output" : !step.stream<[1, 4], tile<16x1xf32>>

// -----

// A linear layer x wᵀ + b: both operands hold the contracted k in their
// columns (matmul transpose_b); the bias is a [1, 16] row broadcast over
// the block's rows.
func.func @linear(%x: tensor<32x64xf32> loc("x"), %w: tensor<32x64xf32> loc("w"), %b: tensor<32xf32> loc("b")) -> tensor<32x32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<32x32xf32>) -> tensor<32x32xf32>
  %mm = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (j, k)>, affine_map<(i, j, k) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<32x64xf32>, tensor<32x64xf32>) outs(%f : tensor<32x32xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %p = arith.mulf %a, %c : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<32x32xf32>
  %e2 = tensor.empty() : tensor<32x32xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%mm, %b : tensor<32x32xf32>, tensor<32xf32>) outs(%e2 : tensor<32x32xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<32x32xf32>
  return %y : tensor<32x32xf32>
}
// CHECK-LABEL: func.func @linear_sam()
// CHECK: step.fiber_lookup %{{.*}} tensor "x" mode 1 "dense" dim 4
// CHECK: step.map
// CHECK-NEXT: ^bb0(%[[W:.*]]: !step.tile<16x16xf32>, %[[X:.*]]: !step.tile<16x16xf32>):
// CHECK-NEXT: step.matmul %[[X]], %[[W]] transpose_b
// CHECK: %[[B:.*]] = step.array_val %{{.*}} tensor "b" tile [1, 16]
// CHECK: step.map %{{.*}}, %[[B]]
// CHECK: step.add %{{.*}}, %{{.*}} : !step.tile<16x16xf32>, !step.tile<1x16xf32>
// CHECK: step.val_write %{{.*}} tensor "output" : !step.stream<{{.*}}, tile<16x16xf32>>

// -----

// exp(s - max_j s): the row max is reduced in the block (row_max, [16, 1])
// then across blocks (reduce max), and broadcast along the block's columns.
func.func @softmax_num(%s: tensor<32x32xf32> loc("s")) -> tensor<32x32xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<32xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<32xf32>) -> tensor<32xf32>
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%s : tensor<32x32xf32>) outs(%f : tensor<32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %x = arith.maximumf %o, %a : f32
    linalg.yield %x : f32
  } -> tensor<32xf32>
  %e2 = tensor.empty() : tensor<32x32xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%s, %m : tensor<32x32xf32>, tensor<32xf32>) outs(%e2 : tensor<32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %x = math.exp %d : f32
    linalg.yield %x : f32
  } -> tensor<32x32xf32>
  return %y : tensor<32x32xf32>
}

// CHECK-LABEL: func.func @softmax_num_sam()
// CHECK: step.map
// CHECK-NEXT: ^bb0(%[[T:.*]]: !step.tile<16x16xf32>):
// CHECK-NEXT: %[[M:.*]] = step.row_max %[[T]] : !step.tile<16x16xf32>
// CHECK-NEXT: step.yield %[[M]] : !step.tile<16x1xf32>
// CHECK: step.reduce %{{.*}} kind "max" outer
// CHECK: step.sub %{{.*}}, %{{.*}} : !step.tile<16x16xf32>, !step.tile<16x1xf32>
// CHECK-NEXT: step.exp

// -----

// sum_j (x - m)^2: a product of two tiles that share both variables is
// elementwise (no contraction), the blocked j summed by row_sum first.
func.func @row_var(%x: tensor<32x32xf32> loc("x"), %m: tensor<32xf32> loc("m")) -> tensor<32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<32xf32>) -> tensor<32xf32>
  %v = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%x, %m : tensor<32x32xf32>, tensor<32xf32>) outs(%f : tensor<32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %q = arith.mulf %d, %d : f32
    %s = arith.addf %o, %q : f32
    linalg.yield %s : f32
  } -> tensor<32xf32>
  return %v : tensor<32xf32>
}
// CHECK-LABEL: func.func @row_var_sam()
// CHECK: step.array_val %{{.*}} tensor "m" tile [16, 1]
// CHECK: %[[D:.*]] = step.sub
// CHECK: %[[D2:.*]] = step.sub
// CHECK: %[[Q:.*]] = step.mul %[[D]], %[[D2]] : !step.tile<16x16xf32>, !step.tile<16x16xf32>
// CHECK: step.row_sum %[[Q]]
// CHECK: step.reduce %{{.*}} kind "add"
// CHECK: step.val_write %{{.*}} tensor "output" : !step.stream<{{.*}}, tile<16x1xf32>>
