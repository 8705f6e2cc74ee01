// Round trip of the ops time-multiplexing adds or extends: the macro op
// step.expert_addr_gen and eager_merge of dynamically shaped tiles (kept in
// their own file; ops.mlir holds the others). expert_addr_gen appends a dim
// of `tiles` addresses per selector; `base` is optional.

// RUN: step-opt %s -split-input-file | step-opt -split-input-file | FileCheck %s
// RUN: step-opt %s -split-input-file --mlir-print-op-generic | step-opt -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @expert_addr_gen(
// CHECK: %[[A:.*]] = step.expert_addr_gen %{{.*}} tiles 16 : !step.stream<[C0 + C1], selector<2, hot = 1>>
// CHECK: %[[B:.*]] = step.expert_addr_gen %{{.*}} tiles 4 base 8 : !step.stream<[1, 64, 8], selector<128, hot = 1>>
// CHECK: return %[[A]], %[[B]] : !step.stream<[C0 + C1, 16], tile<1x1xi64>>, !step.stream<[1, 64, 8, 4], tile<1x1xi64>>
func.func @expert_addr_gen(%s: !step.stream<[C0 + C1], selector<2, hot = 1>>,
                           %t: !step.stream<[1, 64, 8], selector<128, hot = 1>>)
    -> (!step.stream<[C0 + C1, 16], tile<1x1xi64>>, !step.stream<[1, 64, 8, 4], tile<1x1xi64>>) {
  %a = step.expert_addr_gen %s tiles 16 : !step.stream<[C0 + C1], selector<2, hot = 1>>
  %b = step.expert_addr_gen %t tiles 4 base 8 : !step.stream<[1, 64, 8], selector<128, hot = 1>>
  return %a, %b : !step.stream<[C0 + C1, 16], tile<1x1xi64>>, !step.stream<[1, 64, 8, 4], tile<1x1xi64>>
}

// -----

// eager_merge of dynamically shaped tiles that differ only in their rows
// (experts' packed tokens under dynamic tiling): the merged tiles have up to
// the max of the rows.
// CHECK-LABEL: func.func @merge_dynamic_rows(
// CHECK: %{{.*}}, %{{.*}} = step.eager_merge %{{.*}}, %{{.*}} rank 0 : !step.stream<[1], tile<[B0, 64], f32>>, !step.stream<[1], tile<[B1, 64], f32>>
// CHECK: return {{.*}} : !step.stream<[2], tile<[max(B0, B1), 64], f32>>, !step.stream<[2], selector<2, hot = 1>>
func.func @merge_dynamic_rows(%a: !step.stream<[1], tile<[B0, 64], f32>>,
                              %b: !step.stream<[1], tile<[B1, 64], f32>>)
    -> (!step.stream<[2], tile<[max(B0, B1), 64], f32>>, !step.stream<[2], selector<2, hot = 1>>) {
  %m, %s = step.eager_merge %a, %b rank 0 : !step.stream<[1], tile<[B0, 64], f32>>, !step.stream<[1], tile<[B1, 64], f32>>
  return %m, %s : !step.stream<[2], tile<[max(B0, B1), 64], f32>>, !step.stream<[2], selector<2, hot = 1>>
}
