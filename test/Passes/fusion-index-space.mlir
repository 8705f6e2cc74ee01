// RUN: not step-opt %s --split-input-file --step-fusion-index-space -o /dev/null 2>%t.cycle | FileCheck %s
// RUN: FileCheck %s --check-prefix=CYCLE < %t.cycle
// Without dataflow edges only the sparse storage orders constrain; order=1
// is out of range for the regions with a single order (SpMV).
// RUN: not step-opt %s --split-input-file --step-fusion-index-space="dataflow-edges=false max-orders=4 order=1" -o /dev/null 2>%t.nodf | FileCheck %s --check-prefix=NODF
// RUN: FileCheck %s --check-prefix=NODF-ERR < %t.nodf
// RUN: not step-opt %s --split-input-file --step-fusion-index-space="copy-per-use=false" -o /dev/null 2>/dev/null | FileCheck %s --check-prefix=SHARED
// The analysis leaves the IR unchanged.
// RUN: step-opt %s --split-input-file --step-fusion-index-space="dataflow-edges=false" -o %t.ir > /dev/null
// RUN: step-opt %s --split-input-file -o %t.ref
// RUN: diff %t.ir %t.ref

#CSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed) }>

// SpMV y_i = sum_j A_ij x_j, A in CSR: the row is outside the column both in
// A's storage and in the matvec's dataflow order.
// CHECK-LABEL: fusion region @spmv: 1 linalg ops, 2 index variables
// CHECK-NEXT:   ops:
// CHECK-NEXT:     op0 %0 (linalg.matvec): d0=i0 d1=u0(red)
// CHECK-NEXT:   index variables:
// CHECK-NEXT:     i0: op0.d0
// CHECK-NEXT:     u0: op0.d1
// CHECK-NEXT:   edges:
// CHECK-NEXT:     i0 -> u0: storage order of %arg0 in %0 (linalg.matvec); dataflow order of %0 (linalg.matvec) (d0 before d1)
// CHECK-NEXT:   loop orders: 1, first 1:
// CHECK-NEXT:     #0: i0 u0  (chosen)
// NODF-LABEL: fusion region @spmv
// NODF:         i0 -> u0: storage order of %arg0 in %0 (linalg.matvec){{$}}
// NODF-NEXT:    loop orders: 1, first 1:
// NODF-NEXT:      #0: i0 u0{{$}}
// NODF-ERR: error: fusion region @spmv: order=1 is out of range: 1 loop orders enumerated (max-orders=4)
func.func @spmv(%A: tensor<8x8xf32, #CSR>, %x: tensor<8xf32>, %y: tensor<8xf32>) -> tensor<8xf32> {
  %r = linalg.matvec ins(%A, %x : tensor<8x8xf32, #CSR>, tensor<8xf32>) outs(%y : tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

#CSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed) }>

// A GCN layer Y = A (X W) with linalg.generic in a row-wise dataflow order:
// T_kj = sum_l X_kl W_lj as (k, l, j), Y_ij = sum_k A_ik T_kj as (i, k, j).
// Inlining T unifies its dims with Y's (k, j); k and l are local reductions.
// Together with A's CSR order the edges leave one order.
#XW_x = affine_map<(d0, d1, d2) -> (d0, d1)>
#XW_w = affine_map<(d0, d1, d2) -> (d1, d2)>
#XW_t = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: fusion region @gcn_layer: 2 linalg ops, 4 index variables
// CHECK-NEXT:   ops:
// CHECK-NEXT:     op0 %0 (linalg.generic): d0=u0 d1=u1(red) d2=i0
// CHECK-NEXT:     op1 %1 (linalg.generic): d0=i1 d1=u0(red) d2=i0
// CHECK-NEXT:   index variables:
// CHECK-NEXT:     u0: op0.d0 op1.d1
// CHECK-NEXT:     u1: op0.d1
// CHECK-NEXT:     i0: op0.d2 op1.d2
// CHECK-NEXT:     i1: op1.d0
// CHECK-NEXT:   edges:
// CHECK-NEXT:     i1 -> u0: storage order of %arg0 in %1 (linalg.generic); dataflow order of %1 (linalg.generic) (d0 before d1)
// CHECK-NEXT:     u0 -> u1: dataflow order of %0 (linalg.generic) (d0 before d1)
// CHECK-NEXT:     u1 -> i0: dataflow order of %0 (linalg.generic) (d1 before d2)
// CHECK-NEXT:     u0 -> i0: dataflow order of %1 (linalg.generic) (d1 before d2)
// CHECK-NEXT:   loop orders: 1, first 1:
// CHECK-NEXT:     #0: i1 u0 u1 i0  (chosen)
// NODF-LABEL: fusion region @gcn_layer
// NODF:         edges:
// NODF-NEXT:      i1 -> u0: storage order of %arg0 in %1 (linalg.generic){{$}}
// NODF-NEXT:    loop orders: 12, first 4:
// NODF-NEXT:      #0: u1 i0 i1 u0{{$}}
// NODF-NEXT:      #1: u1 i1 u0 i0  (chosen)
// NODF-NEXT:      #2: u1 i1 i0 u0{{$}}
// NODF-NEXT:      #3: i0 u1 i1 u0{{$}}
func.func @gcn_layer(%A: tensor<8x8xf32, #CSR>, %X: tensor<8x4xf32>, %W: tensor<4x2xf32>,
                     %t0: tensor<8x2xf32>, %y0: tensor<8x2xf32>) -> tensor<8x2xf32> {
  %t = linalg.generic {indexing_maps = [#XW_x, #XW_w, #XW_t],
                       iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%X, %W : tensor<8x4xf32>, tensor<4x2xf32>) outs(%t0 : tensor<8x2xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x2xf32>
  %y = linalg.generic {indexing_maps = [#XW_x, #XW_w, #XW_t],
                       iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%A, %t : tensor<8x8xf32, #CSR>, tensor<8x2xf32>) outs(%y0 : tensor<8x2xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x2xf32>
  return %y : tensor<8x2xf32>
}

// -----

#CSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed) }>

// The same layer with two linalg.matmul, both in inner-product order
// (row, column, reduction): T is written row before column but read by the
// second matmul column (its j) before row (its reduction k). One view of T
// cannot serve both: a cycle.
// CYCLE: error: fusion region @gcn_matmul: the partial-order graph has a cycle u0 -> i0 -> u0 (u0 -> i0: dataflow order of %0 (linalg.matmul) (d0 before d1); i0 -> u0: dataflow order of %1 (linalg.matmul) (d1 before d2)); no concordant loop order exists
// CHECK-LABEL: fusion region @gcn_matmul
// CHECK:         loop orders: none (cycle)
// NODF-LABEL: fusion region @gcn_matmul
// NODF:          loop orders: 12, first 4:
func.func @gcn_matmul(%A: tensor<8x8xf32, #CSR>, %X: tensor<8x4xf32>, %W: tensor<4x2xf32>,
                      %t0: tensor<8x2xf32>, %y0: tensor<8x2xf32>) -> tensor<8x2xf32> {
  %t = linalg.matmul ins(%X, %W : tensor<8x4xf32>, tensor<4x2xf32>) outs(%t0 : tensor<8x2xf32>) -> tensor<8x2xf32>
  %y = linalg.matmul ins(%A, %t : tensor<8x8xf32, #CSR>, tensor<8x2xf32>) outs(%y0 : tensor<8x2xf32>) -> tensor<8x2xf32>
  return %y : tensor<8x2xf32>
}

// -----

#CSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed) }>

// FuseFlow's worked example: A_ij = sum_k B_ik C_kj, then E_ij = sum_k B_ik A_kj,
// both inner product (i, j, k), B in CSR. B is a function argument, so each
// use is its own view (i -> k in each op). A is produced in order [0, 1]
// and consumed in order [1, 0] by the second op's dataflow order: forcing one
// view of A closes a cycle between A's row (u0) and column (i0). Without the
// dataflow edges only B's two views constrain, and four orders remain.
// CYCLE: error: fusion region @paper: the partial-order graph has a cycle u0 -> i0 -> u0 (u0 -> i0: dataflow order of %0 (linalg.matmul) (d0 before d1); i0 -> u0: dataflow order of %1 (linalg.matmul) (d1 before d2)); no concordant loop order exists
// CHECK-LABEL: fusion region @paper: 2 linalg ops, 4 index variables
// CHECK-NEXT:   ops:
// CHECK-NEXT:     op0 %0 (linalg.matmul): d0=u0 d1=i0 d2=u1(red)
// CHECK-NEXT:     op1 %1 (linalg.matmul): d0=i1 d1=i0 d2=u0(red)
// CHECK-NEXT:   index variables:
// CHECK-NEXT:     u0: op0.d0 op1.d2
// CHECK-NEXT:     i0: op0.d1 op1.d1
// CHECK-NEXT:     u1: op0.d2
// CHECK-NEXT:     i1: op1.d0
// CHECK-NEXT:   edges:
// CHECK-NEXT:     u0 -> u1: storage order of %arg0 in %0 (linalg.matmul)
// CHECK-NEXT:     i1 -> u0: storage order of %arg0 in %1 (linalg.matmul)
// CHECK-NEXT:     u0 -> i0: dataflow order of %0 (linalg.matmul) (d0 before d1)
// CHECK-NEXT:     i0 -> u1: dataflow order of %0 (linalg.matmul) (d1 before d2)
// CHECK-NEXT:     i1 -> i0: dataflow order of %1 (linalg.matmul) (d0 before d1)
// CHECK-NEXT:     i0 -> u0: dataflow order of %1 (linalg.matmul) (d1 before d2)
// CHECK-NEXT:   loop orders: none (cycle)
// NODF-LABEL: fusion region @paper
// NODF:          edges:
// NODF-NEXT:       u0 -> u1: storage order of %arg0 in %0 (linalg.matmul)
// NODF-NEXT:       i1 -> u0: storage order of %arg0 in %1 (linalg.matmul)
// NODF-NEXT:     loop orders: 4, first 4:
// NODF-NEXT:       #0: i0 i1 u0 u1{{$}}
// NODF-NEXT:       #1: i1 u0 i0 u1  (chosen)
// NODF-NEXT:       #2: i1 u0 u1 i0{{$}}
// NODF-NEXT:       #3: i1 i0 u0 u1{{$}}
func.func @paper(%B: tensor<8x8xf32, #CSR>, %C: tensor<8x8xf32>, %a0: tensor<8x8xf32>,
                 %e0: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %a = linalg.matmul ins(%B, %C : tensor<8x8xf32, #CSR>, tensor<8x8xf32>) outs(%a0 : tensor<8x8xf32>) -> tensor<8x8xf32>
  %e = linalg.matmul ins(%B, %a : tensor<8x8xf32, #CSR>, tensor<8x8xf32>) outs(%e0 : tensor<8x8xf32>) -> tensor<8x8xf32>
  return %e : tensor<8x8xf32>
}

// -----

// A row normalization Y_ij = T_ij / sum_j T_ij of T = 2 X: T has two uses.
// Inlined per use, the sum gets its own copy of T's producer (op0#1) and a
// fresh reduction variable u0, so the sum's loop and Y's column loop are
// free to nest either way: two orders. Shared (copy-per-use=false), the
// sum's reduction is Y's column i1 and one order remains.
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: fusion region @normalize: 3 linalg ops, 1 inlined copy, 3 index variables
// CHECK-NEXT:   ops:
// CHECK-NEXT:     op0 %0 (linalg.generic): d0=i0 d1=i1
// CHECK-NEXT:     op1 %1 (linalg.generic): d0=i0 d1=u0(red)
// CHECK-NEXT:     op2 %2 (linalg.generic): d0=i0 d1=i1
// CHECK-NEXT:     op0#1 %0 (linalg.generic) copy 1: d0=i0 d1=u0
// CHECK-NEXT:   index variables:
// CHECK-NEXT:     i0: op0.d0 op1.d0 op2.d0 op0#1.d0
// CHECK-NEXT:     i1: op0.d1 op2.d1
// CHECK-NEXT:     u0: op1.d1 op0#1.d1
// CHECK-NEXT:   edges:
// CHECK-NEXT:     i0 -> i1: dataflow order of %0 (linalg.generic) (d0 before d1); dataflow order of %2 (linalg.generic) (d0 before d1)
// CHECK-NEXT:     i0 -> u0: dataflow order of %1 (linalg.generic) (d0 before d1); dataflow order of %0 (linalg.generic) copy 1 (d0 before d1)
// CHECK-NEXT:   loop orders: 2, first 2:
// CHECK-NEXT:     #0: i0 i1 u0  (chosen)
// CHECK-NEXT:     #1: i0 u0 i1
// SHARED-LABEL: fusion region @normalize: 3 linalg ops, 2 index variables
// SHARED-NEXT:    ops:
// SHARED-NEXT:      op0 %0 (linalg.generic): d0=i0 d1=i1
// SHARED-NEXT:      op1 %1 (linalg.generic): d0=i0 d1=i1(red)
// SHARED-NEXT:      op2 %2 (linalg.generic): d0=i0 d1=i1
// SHARED:         loop orders: 1, first 1:
func.func @normalize(%X: tensor<4x8xf32>, %t0: tensor<4x8xf32>, %s0: tensor<4xf32>,
                     %y0: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %t = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%X : tensor<4x8xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %s = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%t : tensor<4x8xf32>) outs(%s0 : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %o, %a : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%t, %s : tensor<4x8xf32>, tensor<4xf32>) outs(%y0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.divf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
