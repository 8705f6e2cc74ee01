// RUN: step-opt %s --split-input-file --step-fusion-estimate="density=arg0:0.1,B:0.2" -mlir-print-op-on-diagnostic=false -o /dev/null 2>/dev/null | FileCheck %s
// The analysis leaves the IR unchanged.
// RUN: step-opt %s --split-input-file --step-fusion-estimate -o %t.ir > /dev/null
// RUN: step-opt %s --split-input-file -o %t.ref
// RUN: diff %t.ir %t.ref
// Bad density options are errors naming the entry.
// RUN: not step-opt %s --split-input-file --step-fusion-estimate="density=arg0:1.5" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 >/dev/null | FileCheck %s --check-prefix=RANGE
// RANGE: error: --step-fusion-estimate: bad density entry 'arg0:1.5': expected NAME:P
// RUN: not step-opt %s --split-input-file --step-fusion-estimate="density=arg0" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 >/dev/null | FileCheck %s --check-prefix=NOP
// NOP: error: --step-fusion-estimate: bad density entry 'arg0': expected NAME:P
// RUN: not step-opt %s --split-input-file --step-fusion-estimate="density=arg0:0.1,,arg1:abc" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 >/dev/null | FileCheck %s --check-prefix=NOTNUM
// NOTNUM: error: --step-fusion-estimate: bad density entry 'arg1:abc'
// RUN: not step-opt %s --split-input-file --step-fusion-estimate="order=1" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 >/dev/null | FileCheck %s --check-prefix=ORDER
// ORDER: error: fusion region @spmv: order=1 is out of range: 1 loop orders
// A key naming no argument of any region is a warning (likely a typo).
// RUN: step-opt %s --split-input-file --step-fusion-estimate="density=Adj:0.1,arg9:0.1" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 >/dev/null | FileCheck %s --check-prefix=NOKEY
// NOKEY: warning: --step-fusion-estimate: density key 'arg9' names no argument of any fusion region
// NOKEY: warning: --step-fusion-estimate: density key 'Adj' names no argument of any fusion region

#CSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed) }>

// SpMV y_i = sum_j A_ij x_j, A 100x100 CSR at density 0.1 (arg0:0.1):
// coords i0 = 100, u0 = 100 * 0.1 = 10.
// ops: mul over the scope i0 u0, x2 for the reduction: 100 * 10 * 2 = 2000.
// reads (mul node, x2 at the outermost loop): A 100*10 * 2 = 2000;
//   x 10, times i0 (100) which does not index it, * 2 = 2000.
// writes y: level i0 seg 1 + crd 100, vals 100 = 201. bytes 4000 + 201.
// CHECK-LABEL: fusion estimate @spmv: order i0 u0
// CHECK-NEXT:   coords: i0=100 u0=100*0.1=10
// CHECK-NEXT:   op0 %0 (linalg.matvec): mul, reduction: ops 2000 (scope i0 u0); reads 4000 (%arg0 2000, %arg1 2000); writes 201
// CHECK-NEXT:   total @spmv: ops 2000, bytes 4201
// CHECK-NEXT: module estimate: ops 2000, bytes 4201 (elements)
func.func @spmv(%A: tensor<100x100xf32, #CSR>, %x: tensor<100xf32>, %y: tensor<100xf32>) -> tensor<100xf32> {
  %r = linalg.matvec ins(%A, %x : tensor<100x100xf32, #CSR>, tensor<100xf32>) outs(%y : tensor<100xf32>) -> tensor<100xf32>
  return %r : tensor<100xf32>
}

// -----

// Dense matmul C(4x5) = A(4x3) B(3x5), order i j k.
// ops 4*5*3 * 2 = 120. reads A 12 * 5 (j) * 2 = 120, B 15 * 4 (i) * 2 = 120.
// writes C: level i 1 + 4, level j 4 + 20, vals 20 = 49. bytes 289.
// CHECK-LABEL: fusion estimate @matmul: order i0 i1 u0
// CHECK-NEXT:   coords: i0=4 i1=5 u0=3
// CHECK-NEXT:   op0 %0 (linalg.matmul): mul, reduction: ops 120 (scope i0 i1 u0); reads 240 (%arg0 120, %arg1 120); writes 49
// CHECK-NEXT:   total @matmul: ops 120, bytes 289
func.func @matmul(%a: tensor<4x3xf32>, %b: tensor<3x5xf32>, %c: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<4x3xf32>, tensor<3x5xf32>) outs(%c : tensor<4x5xf32>) -> tensor<4x5xf32>
  return %r : tensor<4x5xf32>
}

// -----

// Intersection: C = A .* B, both 10x10 CSR; A by index (arg0:0.1), B by its
// loc name (B:0.2). The column is intersected: 10 * 0.1 * 0.2 = 0.2.
// ops 10 * 0.2 = 2 (no reduction). reads A 10*0.2 * 2 = 4, B 4.
// writes C: 1 + 10, 10 + 2, vals 2 = 25. bytes 33.
// CHECK-LABEL: fusion estimate @emul: order i0 i1
// CHECK-NEXT:   coords: i0=10 i1=10*0.1*0.2=0.2
// CHECK-NEXT:   op0 %1 (linalg.generic): mul: ops 2 (scope i0 i1); reads 8 (%arg0 4, %arg1 4); writes 25
// CHECK-NEXT:   total @emul: ops 2, bytes 33
#CSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed) }>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @emul(%A: tensor<10x10xf32, #CSR>, %B: tensor<10x10xf32, #CSR> loc("B")) -> tensor<10x10xf32, #CSR> {
  %e = tensor.empty() : tensor<10x10xf32, #CSR>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%A, %B : tensor<10x10xf32, #CSR>, tensor<10x10xf32, #CSR>) outs(%e : tensor<10x10xf32, #CSR>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    linalg.yield %p : f32
  } -> tensor<10x10xf32, #CSR>
  return %r : tensor<10x10xf32, #CSR>
}

// -----

// An add node counts only the scoped loops that index its left operand
// (here b_j: 4, not 3*4) and reads its inputs once (b 4, A 12).
// writes: 1 + 3, 3 + 12, vals 12 = 31. bytes 47.
// CHECK-LABEL: fusion estimate @bias_add: order i0 i1
// CHECK-NEXT:   coords: i0=3 i1=4
// CHECK-NEXT:   op0 %0 (linalg.generic): add: ops 4 (scope i0 i1); reads 16 (%arg0 4, %arg1 12); writes 31
// CHECK-NEXT:   total @bias_add: ops 4, bytes 47
func.func @bias_add(%b: tensor<4xf32>, %A: tensor<3x4xf32>, %o: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%b, %A : tensor<4xf32>, tensor<3x4xf32>) outs(%o : tensor<3x4xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}

// -----

// Two-op chain T_kj = sum_l X_kl W_lj, Y_ij = sum_k A_ik T_kj (A dense 8x8,
// X 8x4, W 4x2), fused in one region: order i k l j (i1 u0 u1 i0).
// op0 (T) has i in scope but does not index it: recomputed for every i.
//   ops 8*8*4*2 * 2 = 1024 (unfused: 8*4*2 * 2 = 128; factor 8 = extent of i).
//   reads X 32 * 8 (i) * 2 (j) * 2 = 1024, W 8 * 8 (i) * 8 (k) * 2 = 1024.
// op1 (Y): l is a pure reduction of op0, closed before op1: scope i k j.
//   ops 8*8*2 * 2 = 256; reads A 64 * 2 (j) * 2 = 256; T is inlined, not read.
// writes Y: 1 + 8, 8 + 16, vals 16 = 49. bytes 1024+1024+256+49 = 2353.
// CHECK-LABEL: fusion estimate @chain: order i1 u0 u1 i0
// CHECK-NEXT:   coords: i1=8 u0=8 u1=4 i0=2
// CHECK-NEXT:   op0 %0 (linalg.generic): mul, reduction: ops 1024 (scope i1 u0 u1 i0); reads 2048 (%arg1 1024, %arg2 1024); writes 0
// CHECK-NEXT:   op1 %1 (linalg.generic): mul, reduction: ops 256 (scope i1 u0 i0); reads 256 (%arg0 256); writes 49
// CHECK-NEXT:   total @chain: ops 1280, bytes 2353
// CHECK-NEXT: module estimate: ops 1280, bytes 2353 (elements)
#XW_x = affine_map<(d0, d1, d2) -> (d0, d1)>
#XW_w = affine_map<(d0, d1, d2) -> (d1, d2)>
#XW_t = affine_map<(d0, d1, d2) -> (d0, d2)>
#AT_a = affine_map<(d0, d1, d2) -> (d0, d1)>
#AT_t = affine_map<(d0, d1, d2) -> (d1, d2)>
#AT_y = affine_map<(d0, d1, d2) -> (d0, d2)>
func.func @chain(%A: tensor<8x8xf32>, %X: tensor<8x4xf32>, %W: tensor<4x2xf32>,
                 %t0: tensor<8x2xf32>, %y0: tensor<8x2xf32>) -> tensor<8x2xf32> {
  %t = linalg.generic {indexing_maps = [#XW_x, #XW_w, #XW_t],
                       iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%X, %W : tensor<8x4xf32>, tensor<4x2xf32>) outs(%t0 : tensor<8x2xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x2xf32>
  %y = linalg.generic {indexing_maps = [#AT_a, #AT_t, #AT_y],
                       iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%A, %t : tensor<8x8xf32>, tensor<8x2xf32>) outs(%y0 : tensor<8x2xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x2xf32>
  return %y : tensor<8x2xf32>
}

// -----

// The same two ops in two regions (T materialized between them): no
// recomputation, but T is written and read back.
// @xw, order k l j: ops 8*4*2 * 2 = 128; reads X 32 * 2 (j) * 2 = 128,
//   W 8 * 8 (k) * 2 = 128; writes T 1 + 8 + 8 + 16 + 16 = 49. bytes 305.
// @at, order i k j: ops 8*8*2 * 2 = 256; reads A 64 * 2 * 2 = 256,
//   T 16 * 8 (i) * 2 = 256; writes Y 49. bytes 561.
// Module: ops 128 + 256 = 384 (fused: 1280), bytes 305 + 561 = 866 (fused: 2353).
// CHECK-LABEL: fusion estimate @xw: order i0 u0 i1
// CHECK-NEXT:   coords: i0=8 u0=4 i1=2
// CHECK-NEXT:   op0 %0 (linalg.generic): mul, reduction: ops 128 (scope i0 u0 i1); reads 256 (%arg0 128, %arg1 128); writes 49
// CHECK-NEXT:   total @xw: ops 128, bytes 305
// CHECK-NEXT: fusion estimate @at: order i0 u0 i1
// CHECK-NEXT:   coords: i0=8 u0=8 i1=2
// CHECK-NEXT:   op0 %0 (linalg.generic): mul, reduction: ops 256 (scope i0 u0 i1); reads 512 (%arg0 256, %arg1 256); writes 49
// CHECK-NEXT:   total @at: ops 256, bytes 561
// CHECK-NEXT: module estimate: ops 384, bytes 866 (elements)
#XW_x = affine_map<(d0, d1, d2) -> (d0, d1)>
#XW_w = affine_map<(d0, d1, d2) -> (d1, d2)>
#XW_t = affine_map<(d0, d1, d2) -> (d0, d2)>
#AT_a = affine_map<(d0, d1, d2) -> (d0, d1)>
#AT_t = affine_map<(d0, d1, d2) -> (d1, d2)>
#AT_y = affine_map<(d0, d1, d2) -> (d0, d2)>
func.func @xw(%X: tensor<8x4xf32>, %W: tensor<4x2xf32>, %t0: tensor<8x2xf32>) -> tensor<8x2xf32> {
  %t = linalg.generic {indexing_maps = [#XW_x, #XW_w, #XW_t],
                       iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%X, %W : tensor<8x4xf32>, tensor<4x2xf32>) outs(%t0 : tensor<8x2xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x2xf32>
  return %t : tensor<8x2xf32>
}
func.func @at(%A: tensor<8x8xf32>, %t: tensor<8x2xf32>, %y0: tensor<8x2xf32>) -> tensor<8x2xf32> {
  %y = linalg.generic {indexing_maps = [#AT_a, #AT_t, #AT_y],
                       iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%A, %t : tensor<8x8xf32>, tensor<8x2xf32>) outs(%y0 : tensor<8x2xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x2xf32>
  return %y : tensor<8x2xf32>
}
