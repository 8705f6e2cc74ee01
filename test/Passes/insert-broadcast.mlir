// RUN: step-opt %s --step-insert-broadcast | FileCheck %s
// RUN: step-opt %s --step-insert-broadcast --step-insert-broadcast | FileCheck %s
// RUN: step-opt %s --step-insert-broadcast --step-verify-graph="allow-dangling" 2>&1 | FileCheck %s --check-prefix=WARN
// WARN-COUNT-3: warning: result #0 is never consumed
// WARN-NOT: error

// A stream with four uses (zip reads it twice, through two FIFOs) gets one
// broadcast with four results, in program order; single-use streams are
// untouched (so the pass is idempotent).
// CHECK-LABEL: func.func @fanout
func.func @fanout() {
  // CHECK: %[[X:.*]] = step.linear_load "x"
  %x = step.linear_load "x" [64, 64] as !step.tile<16x64xf32> view [4, 1]
  // CHECK-NEXT: %[[B:.*]]:4 = step.broadcast %[[X]] count 4
  // CHECK-NEXT: step.repeat %[[B]]#0 count 2
  %a = step.repeat %x count 2 : !step.stream<[1, 4, 1], tile<16x64xf32>>
  // CHECK-NEXT: step.repeat %[[B]]#1 count 3
  %b = step.repeat %x count 3 : !step.stream<[1, 4, 1], tile<16x64xf32>>
  // CHECK-NEXT: step.zip %[[B]]#2, %[[B]]#3
  %z = step.zip %x, %x : !step.stream<[1, 4, 1], tile<16x64xf32>>, !step.stream<[1, 4, 1], tile<16x64xf32>>
  // CHECK-NOT: step.broadcast
  return
}

// Stream arguments are handled too.
// CHECK-LABEL: func.func @argument
// CHECK-SAME: (%[[A:.*]]: !step.stream
func.func @argument(%arg: !step.stream<[N], tile<1x8xf32>>) {
  // CHECK-NEXT: %[[B:.*]]:2 = step.broadcast %[[A]] count 2
  // CHECK-NEXT: step.zip %[[B]]#0, %[[B]]#1
  %z = step.zip %arg, %arg : !step.stream<[N], tile<1x8xf32>>, !step.stream<[N], tile<1x8xf32>>
  return
}
