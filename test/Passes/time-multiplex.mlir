// --step-time-multiplex on a two-expert MoE layer as step-gen writes it
// (step-gen moe --batch 4 --tiling 2 --tile-f 8 --compute-bw 1024
// --experts 2 --topk 1 --dim 8 --inter 16). regions=1 shares one region
// between both experts; regions=2 (P = E) leaves the graph alone.

// RUN: step-opt %s --step-time-multiplex=regions=1 | FileCheck %s
// RUN: step-opt %s --step-time-multiplex=regions=1 --step-insert-broadcast --step-verify-graph | FileCheck %s --check-prefix=BCAST
// RUN: step-opt %s --step-time-multiplex=regions=2 | FileCheck %s --check-prefix=SAME

// CHECK-LABEL: func.func @moe_tile2()
// CHECK: %[[P:.*]]:2 = step.partition %{{.*}} by %{{.*}} rank 0 names ["B0", "B1"] : !step.stream<[1, 4], tile<1x8xbf16>>
// CHECK: %[[T0:.*]] = step.accum %{{.*}} rank 1
// CHECK: %[[T1:.*]] = step.accum %{{.*}} rank 1
// CHECK: %[[M:.*]], %[[S:.*]] = step.eager_merge %[[T0]], %[[T1]] rank 0 : !step.stream<[(B0 + 1) floordiv 2], tile<2x8xf32>>, !step.stream<[(B1 + 1) floordiv 2], tile<2x8xf32>>
// CHECK: %[[A:.*]] = step.expert_addr_gen %[[S]] tiles 2 : !step.stream<[(B0 + 1) floordiv 2 + (B1 + 1) floordiv 2], selector<2, hot = 1>>
// CHECK: %[[W1:.*]] = step.random_load "w1_r0" [16, 16] as !step.tile<8x8xbf16> addr %[[A]] : !step.stream<[(B0 + 1) floordiv 2 + (B1 + 1) floordiv 2, 2], tile<1x1xi64>>
// CHECK: %[[W3:.*]] = step.random_load "w3_r0" [16, 16] as !step.tile<8x8xbf16> addr %[[A]]
// CHECK: %[[W2:.*]] = step.random_load "w2_r0" [32, 8] as !step.tile<8x8xbf16> addr %[[A]]
// CHECK: %[[R:.*]] = step.repeat %[[M]] count 2 : !step.stream<[(B0 + 1) floordiv 2 + (B1 + 1) floordiv 2], tile<2x8xf32>>
// CHECK: %[[UP:.*]] = step.map %[[R]], %[[W1]]
// CHECK: %[[GATE:.*]] = step.map %[[R]], %[[W3]]
// CHECK: %[[SILU:.*]] = step.map %[[UP]]
// CHECK: step.silu
// CHECK: %[[MUL:.*]] = step.map %[[SILU]], %[[GATE]]
// CHECK: %[[DOWN:.*]] = step.accum %[[MUL]], %[[W2]] rank 1
// CHECK: %[[O:.*]]:2 = step.partition %[[DOWN]] by %[[S]] rank 0 names ["C_e0", "C_e1"] : !step.stream<[(B0 + 1) floordiv 2 + (B1 + 1) floordiv 2], tile<2x8xf32>>
// CHECK: step.flatmap %[[O]]#0 dim "B0" : !step.stream<[C_e0], tile<2x8xf32>>
// CHECK: step.flatmap %[[O]]#1 dim "B1" : !step.stream<[C_e1], tile<2x8xf32>>
// CHECK: step.reassemble
// The per-expert loads and the second expert's pipeline are gone: one
// repeat, one down projection.
// CHECK-NOT: step.linear_load "w
// CHECK-NOT: step.repeat

// The merge selector feeds the address generator and the partition, the
// addresses the three loads, the merged tiles' repeat the two matmuls.
// BCAST: %[[M:.*]], %[[S:.*]] = step.eager_merge
// BCAST: %[[SB:.*]]:2 = step.broadcast %[[S]] count 2
// BCAST: %[[A:.*]] = step.expert_addr_gen %[[SB]]#0 tiles 2
// BCAST: %[[AB:.*]]:3 = step.broadcast %[[A]] count 3
// BCAST: step.random_load "w1_r0" [16, 16] as !step.tile<8x8xbf16> addr %[[AB]]#0
// BCAST: step.random_load "w3_r0" [16, 16] as !step.tile<8x8xbf16> addr %[[AB]]#1
// BCAST: step.random_load "w2_r0" [32, 8] as !step.tile<8x8xbf16> addr %[[AB]]#2
// BCAST: step.partition %{{.*}} by %[[SB]]#1 rank 0 names ["C_e0", "C_e1"]

// SAME-NOT: step.eager_merge
// SAME: step.linear_load "w1_e0"
// SAME: step.linear_load "w1_e1"
// SAME-NOT: step.random_load

module {
  func.func @moe_tile2() {
    %0 = step.linear_load "input" [4, 8] as !step.tile<1x8xbf16> view [4, 1]
    %1 = step.flatten %0 ranks 0 to 1 : !step.stream<[1, 4, 1], tile<1x8xbf16>>
    %2 = step.select_gen "routing" : !step.stream<[1, 4], selector<2, hot = 1>>
    %3:2 = step.partition %1 by %2 rank 0 names ["B0", "B1"] : !step.stream<[1, 4], tile<1x8xbf16>>, !step.stream<[1, 4], selector<2, hot = 1>>
    %4 = step.linear_load "routing_weights" [4, 1] as !step.tile<1x1xbf16> view [4, 1]
    %5 = step.select_gen "routing" : !step.stream<[1, 4, 1], selector<2, hot = 1>>
    %6:2 = step.partition %4 by %5 rank 0 names ["B0", "B1"] : !step.stream<[1, 4, 1], tile<1x1xbf16>>, !step.stream<[1, 4, 1], selector<2, hot = 1>>
    %result, %padding = step.reshape %3#0 rank 0 chunk 2 : !step.stream<[B0], tile<1x8xbf16>>
    %7 = step.accum %result rank 1 {compute_bw = 1024 : i64} : !step.stream<[(B0 + 1) floordiv 2, 2], tile<1x8xbf16>> init {
      %40 = step.zeros : !step.tile<2x8xf32>
      step.yield %40 : !step.tile<2x8xf32>
    } update {
    ^bb0(%arg0: !step.tile<2x8xf32>, %arg1: !step.tile<1x8xbf16>):
      %40 = step.retile_rows %arg0, %arg1 : !step.tile<2x8xf32>, !step.tile<1x8xbf16>
      step.yield %40 : !step.tile<2x8xf32>
    }
    %8 = step.repeat %7 count 2 : !step.stream<[(B0 + 1) floordiv 2], tile<2x8xf32>>
    %9 = step.linear_load "w1_e0" [8, 16] as !step.tile<8x8xbf16> view [1, 2] ref %7 : !step.stream<[(B0 + 1) floordiv 2], tile<2x8xf32>>
    %10 = step.flatten %9 ranks 0 to 1 : !step.stream<[(B0 + 1) floordiv 2, 1, 2], tile<8x8xbf16>>
    %11 = step.linear_load "w3_e0" [8, 16] as !step.tile<8x8xbf16> view [1, 2] ref %7 : !step.stream<[(B0 + 1) floordiv 2], tile<2x8xf32>>
    %12 = step.flatten %11 ranks 0 to 1 : !step.stream<[(B0 + 1) floordiv 2, 1, 2], tile<8x8xbf16>>
    %13 = step.linear_load "w2_e0" [16, 8] as !step.tile<8x8xbf16> view [2, 1] ref %7 : !step.stream<[(B0 + 1) floordiv 2], tile<2x8xf32>>
    %14 = step.flatten %13 ranks 0 to 1 : !step.stream<[(B0 + 1) floordiv 2, 2, 1], tile<8x8xbf16>>
    %15 = step.map %8, %10 {compute_bw = 1024 : i64} : !step.stream<[(B0 + 1) floordiv 2, 2], tile<2x8xf32>>, !step.stream<[(B0 + 1) floordiv 2, 2], tile<8x8xbf16>> {
    ^bb0(%arg0: !step.tile<2x8xf32>, %arg1: !step.tile<8x8xbf16>):
      %40 = step.matmul %arg0, %arg1 : !step.tile<2x8xf32>, !step.tile<8x8xbf16>
      step.yield %40 : !step.tile<2x8xf32>
    }
    %16 = step.map %8, %12 {compute_bw = 1024 : i64} : !step.stream<[(B0 + 1) floordiv 2, 2], tile<2x8xf32>>, !step.stream<[(B0 + 1) floordiv 2, 2], tile<8x8xbf16>> {
    ^bb0(%arg0: !step.tile<2x8xf32>, %arg1: !step.tile<8x8xbf16>):
      %40 = step.matmul %arg0, %arg1 : !step.tile<2x8xf32>, !step.tile<8x8xbf16>
      step.yield %40 : !step.tile<2x8xf32>
    }
    %17 = step.map %15 {compute_bw = 1024 : i64} : !step.stream<[(B0 + 1) floordiv 2, 2], tile<2x8xf32>> {
    ^bb0(%arg0: !step.tile<2x8xf32>):
      %40 = step.silu %arg0 : !step.tile<2x8xf32>
      step.yield %40 : !step.tile<2x8xf32>
    }
    %18 = step.map %17, %16 {compute_bw = 1024 : i64} : !step.stream<[(B0 + 1) floordiv 2, 2], tile<2x8xf32>>, !step.stream<[(B0 + 1) floordiv 2, 2], tile<2x8xf32>> {
    ^bb0(%arg0: !step.tile<2x8xf32>, %arg1: !step.tile<2x8xf32>):
      %40 = step.mul %arg0, %arg1 : !step.tile<2x8xf32>, !step.tile<2x8xf32>
      step.yield %40 : !step.tile<2x8xf32>
    }
    %19 = step.accum %18, %14 rank 1 {compute_bw = 1024 : i64} : !step.stream<[(B0 + 1) floordiv 2, 2], tile<2x8xf32>>, !step.stream<[(B0 + 1) floordiv 2, 2], tile<8x8xbf16>> init {
      %40 = step.zeros : !step.tile<2x8xf32>
      step.yield %40 : !step.tile<2x8xf32>
    } update {
    ^bb0(%arg0: !step.tile<2x8xf32>, %arg1: !step.tile<2x8xf32>, %arg2: !step.tile<8x8xbf16>):
      %40 = step.matmul %arg1, %arg2 : !step.tile<2x8xf32>, !step.tile<8x8xbf16>
      %41 = step.add %arg0, %40 : !step.tile<2x8xf32>, !step.tile<2x8xf32>
      step.yield %41 : !step.tile<2x8xf32>
    }
    %20 = step.flatmap %19 dim "B0" : !step.stream<[(B0 + 1) floordiv 2], tile<2x8xf32>> {
    ^bb0(%arg0: !step.tile<2x8xf32>):
      %40 = step.split_rows %arg0 drop_padding : !step.tile<2x8xf32>
      step.yield %40 : !step.stream<[2], tile<1x8xf32>>
    }
    %21 = step.map %6#0, %20 {compute_bw = 1024 : i64} : !step.stream<[B0], tile<1x1xbf16>>, !step.stream<[B0], tile<1x8xf32>> {
    ^bb0(%arg0: !step.tile<1x1xbf16>, %arg1: !step.tile<1x8xf32>):
      %40 = step.mul %arg0, %arg1 : !step.tile<1x1xbf16>, !step.tile<1x8xf32>
      step.yield %40 : !step.tile<1x8xf32>
    }
    %result_0, %padding_1 = step.reshape %3#1 rank 0 chunk 2 : !step.stream<[B1], tile<1x8xbf16>>
    %22 = step.accum %result_0 rank 1 {compute_bw = 1024 : i64} : !step.stream<[(B1 + 1) floordiv 2, 2], tile<1x8xbf16>> init {
      %40 = step.zeros : !step.tile<2x8xf32>
      step.yield %40 : !step.tile<2x8xf32>
    } update {
    ^bb0(%arg0: !step.tile<2x8xf32>, %arg1: !step.tile<1x8xbf16>):
      %40 = step.retile_rows %arg0, %arg1 : !step.tile<2x8xf32>, !step.tile<1x8xbf16>
      step.yield %40 : !step.tile<2x8xf32>
    }
    %23 = step.repeat %22 count 2 : !step.stream<[(B1 + 1) floordiv 2], tile<2x8xf32>>
    %24 = step.linear_load "w1_e1" [8, 16] as !step.tile<8x8xbf16> view [1, 2] ref %22 : !step.stream<[(B1 + 1) floordiv 2], tile<2x8xf32>>
    %25 = step.flatten %24 ranks 0 to 1 : !step.stream<[(B1 + 1) floordiv 2, 1, 2], tile<8x8xbf16>>
    %26 = step.linear_load "w3_e1" [8, 16] as !step.tile<8x8xbf16> view [1, 2] ref %22 : !step.stream<[(B1 + 1) floordiv 2], tile<2x8xf32>>
    %27 = step.flatten %26 ranks 0 to 1 : !step.stream<[(B1 + 1) floordiv 2, 1, 2], tile<8x8xbf16>>
    %28 = step.linear_load "w2_e1" [16, 8] as !step.tile<8x8xbf16> view [2, 1] ref %22 : !step.stream<[(B1 + 1) floordiv 2], tile<2x8xf32>>
    %29 = step.flatten %28 ranks 0 to 1 : !step.stream<[(B1 + 1) floordiv 2, 2, 1], tile<8x8xbf16>>
    %30 = step.map %23, %25 {compute_bw = 1024 : i64} : !step.stream<[(B1 + 1) floordiv 2, 2], tile<2x8xf32>>, !step.stream<[(B1 + 1) floordiv 2, 2], tile<8x8xbf16>> {
    ^bb0(%arg0: !step.tile<2x8xf32>, %arg1: !step.tile<8x8xbf16>):
      %40 = step.matmul %arg0, %arg1 : !step.tile<2x8xf32>, !step.tile<8x8xbf16>
      step.yield %40 : !step.tile<2x8xf32>
    }
    %31 = step.map %23, %27 {compute_bw = 1024 : i64} : !step.stream<[(B1 + 1) floordiv 2, 2], tile<2x8xf32>>, !step.stream<[(B1 + 1) floordiv 2, 2], tile<8x8xbf16>> {
    ^bb0(%arg0: !step.tile<2x8xf32>, %arg1: !step.tile<8x8xbf16>):
      %40 = step.matmul %arg0, %arg1 : !step.tile<2x8xf32>, !step.tile<8x8xbf16>
      step.yield %40 : !step.tile<2x8xf32>
    }
    %32 = step.map %30 {compute_bw = 1024 : i64} : !step.stream<[(B1 + 1) floordiv 2, 2], tile<2x8xf32>> {
    ^bb0(%arg0: !step.tile<2x8xf32>):
      %40 = step.silu %arg0 : !step.tile<2x8xf32>
      step.yield %40 : !step.tile<2x8xf32>
    }
    %33 = step.map %32, %31 {compute_bw = 1024 : i64} : !step.stream<[(B1 + 1) floordiv 2, 2], tile<2x8xf32>>, !step.stream<[(B1 + 1) floordiv 2, 2], tile<2x8xf32>> {
    ^bb0(%arg0: !step.tile<2x8xf32>, %arg1: !step.tile<2x8xf32>):
      %40 = step.mul %arg0, %arg1 : !step.tile<2x8xf32>, !step.tile<2x8xf32>
      step.yield %40 : !step.tile<2x8xf32>
    }
    %34 = step.accum %33, %29 rank 1 {compute_bw = 1024 : i64} : !step.stream<[(B1 + 1) floordiv 2, 2], tile<2x8xf32>>, !step.stream<[(B1 + 1) floordiv 2, 2], tile<8x8xbf16>> init {
      %40 = step.zeros : !step.tile<2x8xf32>
      step.yield %40 : !step.tile<2x8xf32>
    } update {
    ^bb0(%arg0: !step.tile<2x8xf32>, %arg1: !step.tile<2x8xf32>, %arg2: !step.tile<8x8xbf16>):
      %40 = step.matmul %arg1, %arg2 : !step.tile<2x8xf32>, !step.tile<8x8xbf16>
      %41 = step.add %arg0, %40 : !step.tile<2x8xf32>, !step.tile<2x8xf32>
      step.yield %41 : !step.tile<2x8xf32>
    }
    %35 = step.flatmap %34 dim "B1" : !step.stream<[(B1 + 1) floordiv 2], tile<2x8xf32>> {
    ^bb0(%arg0: !step.tile<2x8xf32>):
      %40 = step.split_rows %arg0 drop_padding : !step.tile<2x8xf32>
      step.yield %40 : !step.stream<[2], tile<1x8xf32>>
    }
    %36 = step.map %6#1, %35 {compute_bw = 1024 : i64} : !step.stream<[B1], tile<1x1xbf16>>, !step.stream<[B1], tile<1x8xf32>> {
    ^bb0(%arg0: !step.tile<1x1xbf16>, %arg1: !step.tile<1x8xf32>):
      %40 = step.mul %arg0, %arg1 : !step.tile<1x1xbf16>, !step.tile<1x8xf32>
      step.yield %40 : !step.tile<1x8xf32>
    }
    %37 = step.select_gen "routing" : !step.stream<[1, 4], selector<2, hot = 1>>
    %38 = step.reassemble %21, %36 by %37 rank 0 : (!step.stream<[B0], tile<1x8xf32>>, !step.stream<[B1], tile<1x8xf32>>), !step.stream<[1, 4], selector<2, hot = 1>>
    %39 = step.accum %38 rank 1 {compute_bw = 1024 : i64} : !step.stream<[1, 4, 1], tile<1x8xf32>> init {
      %40 = step.zeros : !step.tile<1x8xf32>
      step.yield %40 : !step.tile<1x8xf32>
    } update {
    ^bb0(%arg0: !step.tile<1x8xf32>, %arg1: !step.tile<1x8xf32>):
      %40 = step.add %arg0, %arg1 : !step.tile<1x8xf32>, !step.tile<1x8xf32>
      step.yield %40 : !step.tile<1x8xf32>
    }
    step.linear_store %39 to "output" [4, 8] : !step.stream<[1, 4], tile<1x8xf32>>
    return
  }
}
