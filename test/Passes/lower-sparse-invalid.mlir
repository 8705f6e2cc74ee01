// RUN: step-opt %s --split-input-file --step-lower-sparse -verify-diagnostics -o /dev/null
// Inputs --step-lower-sparse rejects, each with an error naming the cause.

// A sparse result must be stored in dimension order (its levels are
// written as the loops produce them): a CSC result is rejected.
#CSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed) }>
#CSC = #sparse_tensor.encoding<{ map = (d0, d1) -> (d1 : dense, d0 : compressed) }>
// expected-error @+1 {{sparse result #0 must be stored in dim order}}
func.func @csc_result(%A: tensor<4x4xf32, #CSR> loc("A"), %B: tensor<4x4xf32, #CSR> loc("B")) -> tensor<4x4xf32, #CSC> {
  %e = tensor.empty() : tensor<4x4xf32, #CSC>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%A, %B : tensor<4x4xf32, #CSR>, tensor<4x4xf32, #CSR>) outs(%e : tensor<4x4xf32, #CSC>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<4x4xf32, #CSC>
  return %r : tensor<4x4xf32, #CSC>
}

// -----

// A fusion region must return tensors.
// expected-error @+1 {{a fusion region must return tensors}}
func.func @no_result(%A: tensor<4xf32> loc("A")) attributes {step.fusion_region = 0 : i64} {
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%A : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.addf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  return
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
