// RUN: step-opt %s --split-input-file --step-lower-sparse | FileCheck %s
// An order index beyond the accepted orders is an error naming the index
// with clamp-order=false, and the last accepted order by default.
// RUN: not step-opt %s --split-input-file --step-lower-sparse="order=5 clamp-order=false" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=ORDER
// RUN: step-opt %s --split-input-file --step-lower-sparse=order=5 | FileCheck %s --check-prefix=CLAMP
// RUN: step-opt %s --split-input-file --step-lower-sparse=order=1 | FileCheck %s --check-prefix=NBR
// CLAMP: func.func @spmv_sam() attributes {step.loop_order = "v0,v1"
// ORDER: error: --step-lower-sparse: no lowerable loop order with index 5
// (Error cases: lower-sparse-invalid.mlir.)

// SpMV y = A x with A CSR (the Passes.td example): A's dense row level and
// compressed column level are scanned, x is located at A's column
// coordinates, the products are reduced over the innermost variable and
// the values written to the dense result `output`.
#CSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed) }>
func.func @spmv(%A: tensor<4x4xf32, #CSR> loc("A"), %x: tensor<4xf32> loc("x")) -> tensor<4xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %y0 = linalg.fill ins(%z : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %y = linalg.matvec ins(%A, %x : tensor<4x4xf32, #CSR>, tensor<4xf32>) outs(%y0 : tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}
// CHECK-LABEL: func.func @spmv_sam()
// CHECK-SAME: step.loop_order = "v0,v1"
// CHECK-NOT: func.func @spmv(
// CHECK: %[[R:.*]] = step.root
// CHECK: %[[I:.*]], %[[RI:.*]] = step.fiber_lookup %[[R]] tensor "A" mode 0 "dense" dim 4
// CHECK: %[[J:.*]], %[[RJ:.*]] = step.fiber_lookup %[[RI]] tensor "A" mode 1 "compressed" name "L0"
// CHECK: %[[REP:.*]] = step.fiber_repeat %{{.*}}, %[[I]]
// CHECK: %{{.*}}, %{{.*}}, %[[XR:.*]] = step.locate %[[J]], %[[RJ]], %[[REP]] dim 4
// CHECK-DAG: %[[VX:.*]] = step.array_val %[[XR]] tensor "x"
// CHECK-DAG: %[[VA:.*]] = step.array_val %[[RJ]] tensor "A"
// CHECK: %[[P:.*]] = step.map
// CHECK: step.mul
// CHECK: %[[S:.*]] = step.reduce %[[P]] kind "add" outer %[[I]]
// CHECK: step.val_write %[[S]] tensor "output"

// -----

// GraphSAGE's neighbor term Y = A (X W), A and X DCSR, at order 1
// (i, l, o, f): the contraction over f is innermost (reduce), the one over
// l has o below it (spacc). Each reduce is guided by the coordinates of its
// result level (`outer`, here o): when A's row i shares no l with X's rows
// (an empty fiber at level l) the f-level values carry a bare stop that
// SAM's reducer alone would take for an element (a 0 the o coordinates do
// not have; step-sim's spacc then failed with "its inputs disagree").
#DCSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : compressed, d1 : compressed) }>
func.func @nbr(%A: tensor<4x4xf32, #DCSR> loc("A"), %X: tensor<4x3xf32, #DCSR> loc("X"), %W: tensor<3x2xf32> loc("W")) -> tensor<4x2xf32> {
  %z = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<4x2xf32>
  %t0 = linalg.fill ins(%z : f32) outs(%e0 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %t = linalg.matmul ins(%X, %W : tensor<4x3xf32, #DCSR>, tensor<3x2xf32>) outs(%t0 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %e1 = tensor.empty() : tensor<4x2xf32>
  %y0 = linalg.fill ins(%z : f32) outs(%e1 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul ins(%A, %t : tensor<4x4xf32, #DCSR>, tensor<4x2xf32>) outs(%y0 : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
// NBR-LABEL: func.func @nbr_sam()
// NBR-SAME: step.loop_order = "v0,v2,v1,v3"
// NBR: %[[L:.*]], %{{.*}} = step.intersect crds({{.*}}) refs({{.*}}) name "X{{[0-9]+}}"
// NBR: %[[O:.*]], %{{.*}} = step.fiber_lookup %{{.*}} tensor "W@1,0" mode 0 "dense" dim 2
// NBR: %[[P:.*]] = step.map
// NBR: %[[S:.*]] = step.reduce %[[P]] kind "add" outer %[[O]] : !step.stream<[1, ragged<U{{[0-9]+}}>, ragged<X{{[0-9]+}}>, 2, ragged<L{{[0-9]+}}>], tile<1x1xf32>>, !step.stream<[1, ragged<U{{[0-9]+}}>, ragged<X{{[0-9]+}}>, 2], crd>
// NBR: step.spacc %[[O]], %{{.*}}, %[[S]] order 1
