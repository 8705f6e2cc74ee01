// RUN: step-opt %s --split-input-file --step-lower-sparse=block=16 -verify-diagnostics -o /dev/null
// What --step-lower-sparse block=B refuses, each with an error naming the
// cause (the supported cases: lower-sparse-block.mlir).

// A variable blocked in one tensor and not in another: i is the outermost
// of A's three dims (not blocked) but the first of the result's two.
func.func @inconsistent(%A: tensor<32x32x32xf32> loc("A")) -> tensor<32x32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<32x32xf32>) -> tensor<32x32xf32>
  // expected-error @+1 {{block=16: a variable of extent 32 is blocked in the result of 'linalg.generic' dim 0 but not in 'A' dim 0}}
  %r = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%A : tensor<32x32x32xf32>) outs(%f : tensor<32x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<32x32xf32>
  return %r : tensor<32x32xf32>
}

// -----

// C = Aᵀ B: both tiles hold the contracted k in their rows (matmul has no
// transposed left operand).
func.func @transposed_lhs(%A: tensor<32x32xf32> loc("A"), %B: tensor<32x32xf32> loc("B")) -> tensor<32x32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<32x32xf32>) -> tensor<32x32xf32>
  // expected-error @+1 {{holds the contracted variable in the rows of both tiles}}
  %r = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (k, i)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%A, %B : tensor<32x32xf32>, tensor<32x32xf32>) outs(%f : tensor<32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<32x32xf32>
  return %r : tensor<32x32xf32>
}

// -----

// Column sums: the in-block reduction would run over a tile's rows.
func.func @column_sum(%A: tensor<32x32xf32> loc("A")) -> tensor<32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<32xf32>) -> tensor<32xf32>
  // expected-error @+1 {{an in-block reduction over the rows of a tile [v1, v0]}}
  %r = linalg.generic {indexing_maps = [affine_map<(j, i) -> (i, j)>, affine_map<(j, i) -> (j)>], iterator_types = ["parallel", "reduction"]} ins(%A : tensor<32x32xf32>) outs(%f : tensor<32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<32xf32>
  return %r : tensor<32xf32>
}

// -----

// The result Cᵀ = (A B)ᵀ: the block product gives [i, j] tiles, the
// result's dim order is [j, i].
func.func @transposed_result(%A: tensor<32x32xf32> loc("A"), %B: tensor<32x32xf32> loc("B")) -> tensor<32x32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<32x32xf32>) -> tensor<32x32xf32>
  // expected-error @+1 {{the result's tile [v1, v0] is not its blocked dims in dim order}}
  %r = linalg.generic {indexing_maps = [affine_map<(j, i, k) -> (i, k)>, affine_map<(j, i, k) -> (k, j)>, affine_map<(j, i, k) -> (j, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%A, %B : tensor<32x32xf32>, tensor<32x32xf32>) outs(%f : tensor<32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<32x32xf32>
  return %r : tensor<32x32xf32>
}

// -----

// A transpose at the root: the result [j, k, i] blocks its innermost two
// dims k and i, the producer [i, j, k] blocks j and k (checked against
// the region's result, which run-step unblocks by its own dims).
func.func @transposed_root(%A: tensor<32x32x32xf32> loc("A")) -> tensor<32x32x32xf32> {
  %e = tensor.empty() : tensor<32x32x32xf32>
  %n = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (i, j, k)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%A : tensor<32x32x32xf32>) outs(%e : tensor<32x32x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %x = arith.negf %a : f32
    linalg.yield %x : f32
  } -> tensor<32x32x32xf32>
  %e2 = tensor.empty() : tensor<32x32x32xf32>
  // expected-error @-6 {{block=16: a variable of extent 32 is blocked in the result of 'linalg.generic' dim 1 but not in the region's result dim 0}}
  %t = linalg.transpose ins(%n : tensor<32x32x32xf32>) outs(%e2 : tensor<32x32x32xf32>) permutation = [1, 2, 0]
  return %t : tensor<32x32x32xf32>
}
