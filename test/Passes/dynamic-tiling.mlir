// RUN: step-opt %s --split-input-file --step-dynamic-tiling --verify-diagnostics | FileCheck %s
// RUN: step-opt %s --split-input-file --step-dynamic-tiling --step-insert-broadcast --step-verify-graph="allow-dangling" -o /dev/null 2>&1 | FileCheck %s --check-prefix=GRAPH
// GRAPH-NOT: error
// GRAPH: remark: not tiled dynamically: its padding flags are used
// GRAPH-NOT: error

// One expert of a top-1 MoE: the reshape into 4-row chunks becomes a
// promote, the accumulator a [B0, 64] tile, and every type downstream
// follows, inside regions too: the matmul's rows, the down projection's
// accumulator, and the split that no longer drops padding.
// CHECK-LABEL: func.func @expert
func.func @expert() {
  %x0 = step.linear_load "x" [8, 64] as !step.tile<1x64xbf16> view [8, 1]
  %x = step.flatten %x0 ranks 0 to 1 : !step.stream<[1, 8, 1], tile<1x64xbf16>>
  %sel = step.select_gen "routing" : !step.stream<[1, 8], selector<2, hot = 1>>
  // CHECK: %[[E:.*]]:2 = step.partition
  %e:2 = step.partition %x by %sel rank 0 names ["B0", "B1"] : !step.stream<[1, 8], tile<1x64xbf16>>, !step.stream<[1, 8], selector<2, hot = 1>>
  // CHECK-NOT: step.reshape
  // CHECK: %[[P:.*]] = step.promote %[[E]]#0 : !step.stream<[B0], tile<1x64xbf16>>
  %c, %pad = step.reshape %e#0 rank 0 chunk 4 : !step.stream<[B0], tile<1x64xbf16>>
  // CHECK-NEXT: %[[T:.*]] = step.accum %[[P]] rank 1 : !step.stream<[B0 ceildiv max(B0, 1), B0], tile<1x64xbf16>>
  // CHECK-NEXT: %[[Z:.*]] = step.zeros : !step.tile<[B0, 64], f32>
  // CHECK-NEXT: step.yield %[[Z]] : !step.tile<[B0, 64], f32>
  // CHECK: ^bb0(%[[ACC:.*]]: !step.tile<[B0, 64], f32>, %[[R:.*]]: !step.tile<1x64xbf16>):
  // CHECK-NEXT: step.retile_rows %[[ACC]], %[[R]] : !step.tile<[B0, 64], f32>, !step.tile<1x64xbf16>
  // CHECK-NEXT: step.yield {{.*}} : !step.tile<[B0, 64], f32>
  %t = step.accum %c rank 1 : !step.stream<[(B0 + 3) floordiv 4, 4], tile<1x64xbf16>>
    init {
      %z = step.zeros : !step.tile<4x64xf32>
      step.yield %z : !step.tile<4x64xf32>
    } update {
    ^bb0(%acc: !step.tile<4x64xf32>, %r: !step.tile<1x64xbf16>):
      %n = step.retile_rows %acc, %r : !step.tile<4x64xf32>, !step.tile<1x64xbf16>
      step.yield %n : !step.tile<4x64xf32>
    }
  // CHECK: %[[REP:.*]] = step.repeat %[[T]] count 2 : !step.stream<[B0 ceildiv max(B0, 1)], tile<[B0, 64], f32>>
  %rep = step.repeat %t count 2 : !step.stream<[(B0 + 3) floordiv 4], tile<4x64xf32>>
  // CHECK: %[[W:.*]] = step.linear_load "w1" {{.*}} ref %[[T]] : !step.stream<[B0 ceildiv max(B0, 1)], tile<[B0, 64], f32>>
  %wl = step.linear_load "w1" [64, 64] as !step.tile<64x32xbf16> view [1, 2] ref %t : !step.stream<[(B0 + 3) floordiv 4], tile<4x64xf32>>
  // CHECK-NEXT: step.flatten %[[W]] ranks 0 to 1 : !step.stream<[B0 ceildiv max(B0, 1), 1, 2], tile<64x32xbf16>>
  %w = step.flatten %wl ranks 0 to 1 : !step.stream<[(B0 + 3) floordiv 4, 1, 2], tile<64x32xbf16>>
  // CHECK: step.map %[[REP]], %{{.*}} : !step.stream<[B0 ceildiv max(B0, 1), 2], tile<[B0, 64], f32>>, !step.stream<[B0 ceildiv max(B0, 1), 2], tile<64x32xbf16>>
  // CHECK-NEXT: ^bb0(%[[A:.*]]: !step.tile<[B0, 64], f32>, %[[WT:.*]]: !step.tile<64x32xbf16>):
  // CHECK-NEXT: %[[M:.*]] = step.matmul %[[A]], %[[WT]] : !step.tile<[B0, 64], f32>, !step.tile<64x32xbf16>
  // CHECK-NEXT: step.yield %[[M]] : !step.tile<[B0, 32], f32>
  %h = step.map %rep, %w : !step.stream<[(B0 + 3) floordiv 4, 2], tile<4x64xf32>>, !step.stream<[(B0 + 3) floordiv 4, 2], tile<64x32xbf16>> {
  ^bb0(%a: !step.tile<4x64xf32>, %wt: !step.tile<64x32xbf16>):
    %m = step.matmul %a, %wt : !step.tile<4x64xf32>, !step.tile<64x32xbf16>
    step.yield %m : !step.tile<4x32xf32>
  }
  // CHECK: %[[W2:.*]] = step.linear_load "w2" {{.*}} ref %[[T]] : !step.stream<[B0 ceildiv max(B0, 1)], tile<[B0, 64], f32>>
  %w2l = step.linear_load "w2" [64, 8] as !step.tile<32x8xbf16> view [2, 1] ref %t : !step.stream<[(B0 + 3) floordiv 4], tile<4x64xf32>>
  %w2 = step.flatten %w2l ranks 0 to 1 : !step.stream<[(B0 + 3) floordiv 4, 2, 1], tile<32x8xbf16>>
  // CHECK: step.accum %{{.*}}, %{{.*}} rank 1 : !step.stream<[B0 ceildiv max(B0, 1), 2], tile<[B0, 32], f32>>, !step.stream<[B0 ceildiv max(B0, 1), 2], tile<32x8xbf16>>
  // CHECK-NEXT: %[[Z2:.*]] = step.zeros : !step.tile<[B0, 8], f32>
  // CHECK: ^bb0(%[[ACC2:.*]]: !step.tile<[B0, 8], f32>, %[[A2:.*]]: !step.tile<[B0, 32], f32>, %[[WT2:.*]]: !step.tile<32x8xbf16>):
  // CHECK-NEXT: %[[P2:.*]] = step.matmul %[[A2]], %[[WT2]] : !step.tile<[B0, 32], f32>, !step.tile<32x8xbf16>
  // CHECK-NEXT: %[[S2:.*]] = step.add %[[ACC2]], %[[P2]] : !step.tile<[B0, 8], f32>, !step.tile<[B0, 8], f32>
  // CHECK-NEXT: step.yield %[[S2]] : !step.tile<[B0, 8], f32>
  %y = step.accum %h, %w2 rank 1 : !step.stream<[(B0 + 3) floordiv 4, 2], tile<4x32xf32>>, !step.stream<[(B0 + 3) floordiv 4, 2], tile<32x8xbf16>>
    init {
      %z = step.zeros : !step.tile<4x8xf32>
      step.yield %z : !step.tile<4x8xf32>
    } update {
    ^bb0(%acc: !step.tile<4x8xf32>, %a: !step.tile<4x32xf32>, %wt: !step.tile<32x8xbf16>):
      %p = step.matmul %a, %wt : !step.tile<4x32xf32>, !step.tile<32x8xbf16>
      %s = step.add %acc, %p : !step.tile<4x8xf32>, !step.tile<4x8xf32>
      step.yield %s : !step.tile<4x8xf32>
    }
  // CHECK: step.flatmap %{{.*}} dim "B0" : !step.stream<[B0 ceildiv max(B0, 1)], tile<[B0, 8], f32>>
  // CHECK-NEXT: ^bb0(%[[Y:.*]]: !step.tile<[B0, 8], f32>):
  // CHECK-NEXT: %[[S:.*]] = step.split_rows %[[Y]] : !step.tile<[B0, 8], f32>
  // CHECK-NEXT: step.yield %[[S]] : !step.stream<[B0], tile<1x8xf32>>
  %rows = step.flatmap %y dim "B0" : !step.stream<[(B0 + 3) floordiv 4], tile<4x8xf32>> {
  ^bb0(%a: !step.tile<4x8xf32>):
    %r = step.split_rows %a drop_padding : !step.tile<4x8xf32>
    step.yield %r : !step.stream<[4], tile<1x8xf32>>
  }
  // The padding flags of the second expert are read, so its reshape stays.
  // CHECK: step.reshape %[[E]]#1 rank 0 chunk 4
  // expected-remark @below {{not tiled dynamically: its padding flags are used}}
  %c1, %pad1 = step.reshape %e#1 rank 0 chunk 4 : !step.stream<[B1], tile<1x64xbf16>>
  %t1 = step.accum %c1 rank 1 : !step.stream<[(B1 + 3) floordiv 4, 4], tile<1x64xbf16>>
    init {
      %z = step.zeros : !step.tile<4x64xf32>
      step.yield %z : !step.tile<4x64xf32>
    } update {
    ^bb0(%acc: !step.tile<4x64xf32>, %r: !step.tile<1x64xbf16>):
      %n = step.retile_rows %acc, %r : !step.tile<4x64xf32>, !step.tile<1x64xbf16>
      step.yield %n : !step.tile<4x64xf32>
    }
  %f = step.flatten %pad1 ranks 0 to 1 : !step.stream<[(B1 + 3) floordiv 4, 4], i1>
  return
}

// -----

// Nothing to rewrite: a reshape of a stream that no partition produced
// (its size is static) stays, and so does every type.
// CHECK-LABEL: func.func @static
func.func @static() {
  %x = step.linear_load "x" [8, 64] as !step.tile<1x64xbf16> view [8, 1]
  %x1 = step.flatten %x ranks 0 to 1 : !step.stream<[1, 8, 1], tile<1x64xbf16>>
  // CHECK: step.reshape %{{.*}} rank 0 chunk 4 : !step.stream<[1, 8], tile<1x64xbf16>>
  %c, %pad = step.reshape %x1 rank 0 chunk 4 : !step.stream<[1, 8], tile<1x64xbf16>>
  // CHECK: step.zeros : !step.tile<4x64xf32>
  // CHECK-NOT: step.promote
  %t = step.accum %c rank 1 : !step.stream<[1, 2, 4], tile<1x64xbf16>>
    init {
      %z = step.zeros : !step.tile<4x64xf32>
      step.yield %z : !step.tile<4x64xf32>
    } update {
    ^bb0(%acc: !step.tile<4x64xf32>, %r: !step.tile<1x64xbf16>):
      %n = step.retile_rows %acc, %r : !step.tile<4x64xf32>, !step.tile<1x64xbf16>
      step.yield %n : !step.tile<4x64xf32>
    }
  return
}
