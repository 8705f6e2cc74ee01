// RUN: step-opt %s --split-input-file --step-lower-sparse -verify-diagnostics -o /dev/null
// Inputs --step-lower-sparse rejects, each with an error naming the cause.

// The result must be dense (the lowering writes values only, no levels).
#CSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed) }>
// expected-error @+1 {{only dense results are lowered}}
func.func @sparse_result(%A: tensor<4x4xf32, #CSR> loc("A"), %B: tensor<4x4xf32, #CSR> loc("B")) -> tensor<4x4xf32, #CSR> {
  %e = tensor.empty() : tensor<4x4xf32, #CSR>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%A, %B : tensor<4x4xf32, #CSR>, tensor<4x4xf32, #CSR>) outs(%e : tensor<4x4xf32, #CSR>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<4x4xf32, #CSR>
  return %r : tensor<4x4xf32, #CSR>
}

// -----

// A body op with no stream counterpart (math.sin) is named.
#CSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed) }>
func.func @bad_body(%A: tensor<4x4xf32, #CSR> loc("A")) -> tensor<4x4xf32> {
  %e = tensor.empty() : tensor<4x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%A : tensor<4x4xf32, #CSR>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    // expected-error @+1 {{cannot lower this op in a linalg body: math.sin}}
    %m = math.sin %a : f32
    linalg.yield %m : f32
  } -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}
