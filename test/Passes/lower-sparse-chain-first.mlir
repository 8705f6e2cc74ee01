// RUN: step-opt %s --step-lower-sparse | FileCheck %s --check-prefix=DEFAULT
// RUN: step-opt %s --step-lower-sparse=chain-first=true | FileCheck %s --check-prefix=CHAIN

// A two-layer FFN with a residual, y = x + relu(x W1ᵀ) W2ᵀ, variables as
// the lowering creates them: v0 row i, v1 column j, v2 FFN unit f (the
// second contraction's reduction), v3 hidden m (the first one's).
// Default numbering: order 0 is i, j, f, m: the first contraction, and
// relu, are recomputed for every output column j (two reduces, no spacc).
// chain-first: i, m, f, j: each reduction above the result column of its
// contraction, Gustavson all along (two spaccs, nothing recomputed).

// DEFAULT-LABEL: func.func @ffn_sam()
// DEFAULT-SAME: step.loop_order = "v0,v1,v2,v3"
// DEFAULT-NOT: step.spacc
// DEFAULT-COUNT-2: step.reduce
// DEFAULT-NOT: step.spacc

// CHAIN-LABEL: func.func @ffn_sam()
// CHAIN-SAME: step.loop_order = "v0,v3,v2,v1"
// CHAIN-NOT: step.reduce
// CHAIN-COUNT-2: step.spacc
// CHAIN-NOT: step.reduce
func.func @ffn(%x: tensor<4x8xf32> loc("x"), %w1: tensor<16x8xf32> loc("w1"),
               %w2: tensor<8x16xf32> loc("w2")) -> tensor<4x8xf32> {
  %z = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<4x16xf32>
  %f1 = linalg.fill ins(%z : f32) outs(%e1 : tensor<4x16xf32>) -> tensor<4x16xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(i, f, m) -> (i, m)>, affine_map<(i, f, m) -> (f, m)>,
                                        affine_map<(i, f, m) -> (i, f)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w1 : tensor<4x8xf32>, tensor<16x8xf32>) outs(%f1 : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  %e2 = tensor.empty() : tensor<4x16xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(i, f) -> (i, f)>, affine_map<(i, f) -> (i, f)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%h : tensor<4x16xf32>) outs(%e2 : tensor<4x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %z : f32
    linalg.yield %r : f32
  } -> tensor<4x16xf32>
  %e3 = tensor.empty() : tensor<4x8xf32>
  %f3 = linalg.fill ins(%z : f32) outs(%e3 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i, j, f) -> (i, f)>, affine_map<(i, j, f) -> (j, f)>,
                                        affine_map<(i, j, f) -> (i, j)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%g, %w2 : tensor<4x16xf32>, tensor<8x16xf32>) outs(%f3 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %e4 = tensor.empty() : tensor<4x8xf32>
  %out = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>,
                                          affine_map<(i, j) -> (i, j)>],
                         iterator_types = ["parallel", "parallel"]}
      ins(%x, %y : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e4 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  return %out : tensor<4x8xf32>
}
