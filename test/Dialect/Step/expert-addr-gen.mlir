// Round trip and diagnostics of the time-multiplexing macro op
// step.expert_addr_gen (kept in its own file; ops.mlir/invalid.mlir hold
// the other operators). The shape rule appends a dim of `tiles` addresses
// per selector; `base` is optional.

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
