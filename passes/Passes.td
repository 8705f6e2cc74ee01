//===- Passes.td - step passes -----------------------------*- tablegen -*-===//
//
// Every step-* pass. One pass per .cpp file in this folder.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_PASSES_TD
#define STEP_PASSES_TD

include "mlir/Pass/PassBase.td"

def StepInsertBroadcast : Pass<"step-insert-broadcast"> {
  let summary = "give every stream used more than once an explicit broadcast";
  let description = [{
    Streams are single-producer single-consumer FIFOs. This pass rewrites
    every stream value with more than one use so that it feeds a
    `step.broadcast` with one result per use, and each use reads its own
    result. Streams with one use are left alone, so the pass is idempotent.

    Before:
    ```mlir
    %t = step.accum %x rank 1 : ... init {...} update {...}
    %a = step.repeat %t count 224 : !step.stream<[C0], tile<16x4096xf32>>
    %w = step.linear_load "w1" [4096, 14336] as !step.tile<4096x64xbf16> view [1, 224]
           ref %t : !step.stream<[C0], tile<16x4096xf32>>
    ```
    After:
    ```mlir
    %t = step.accum %x rank 1 : ... init {...} update {...}
    %b:2 = step.broadcast %t count 2 : !step.stream<[C0], tile<16x4096xf32>>
    %a = step.repeat %b#0 count 224 : !step.stream<[C0], tile<16x4096xf32>>
    %w = step.linear_load "w1" [4096, 14336] as !step.tile<4096x64xbf16> view [1, 224]
           ref %b#1 : !step.stream<[C0], tile<16x4096xf32>>
    ```
  }];
  let dependentDialects = ["::mlir::step::StepDialect"];
}

def StepInferShapes : Pass<"step-infer-shapes"> {
  let summary = "re-infer the result types of every step operator";
  let description = [{
    Walks the graph in order and sets each step operator's result types to
    the ones its shape rules infer from its (possibly rewritten) operands, so
    that a change of shape at a source propagates through the whole graph.
    Fails with the first operator whose operands no longer satisfy its rules.
    Types of values that cross into non-step operators are left alone.

    Before (the tile size of the source was changed from 16 to 32 rows):
    ```mlir
    %c, %p = step.reshape %e rank 0 chunk 32 : !step.stream<[B0], tile<1x4096xbf16>>
    %t = step.repeat %c count 4 : !step.stream<[(B0 + 15) floordiv 16, 16], ...>
    ```
    After: every type downstream reads `(B0 + 31) floordiv 32, 32`.
  }];
}

def StepVerifyGraph : Pass<"step-verify-graph"> {
  let summary = "check that a step graph is well formed as a dataflow graph";
  let description = [{
    Checks what single operators cannot: every stream has exactly one
    consumer (run `--step-insert-broadcast` first), every stream produced is
    consumed (a dangling stream would fill its FIFO and stall the producer;
    `--allow-dangling` turns that into a warning; reshape's padding flags
    are optional), and every step operator's
    result types are the ones its shape rules infer. Reports every problem,
    naming the operator and value, then fails.
  }];
  let options = [
    Option<"allowDangling", "allow-dangling", "bool", "false",
           "Warn instead of failing on streams nobody consumes">,
  ];
}

def StepReportCost : Pass<"step-report-cost", "::mlir::ModuleOp"> {
  let summary = "print the STeP cost model: off-chip traffic and on-chip memory";
  let description = [{
    For every function holding step operators, prints a table with one row
    per operator that costs something: its off-chip traffic and on-chip
    memory requirement as symbolic expressions (reference/step.md §4), and,
    when `bind` gives values for the symbols, as numbers. Then the totals,
    the relations recorded by routing operators (for example that the
    outputs of a top-k partition sum to k times its selections), and whether
    the bindings satisfy them. Symbols left unbound keep the totals symbolic.

    Example:
    ```
    step-opt --step-report-cost="bind=B0=13,B1=10 mode=1" moe.mlir
    ```
    The IR is not modified.
  }];
  let options = [
    ListOption<"bind", "bind", "std::string",
               "Symbol bindings NAME=VALUE (comma separated)">,
    Option<"mode", "mode", "int", "1",
           "Accounting variant of the STeP artifact: 1 (single buffers, the "
           "published figures) or 2 (double buffers, matmul 16-row rule)">,
    Option<"countFifos", "count-fifos", "bool", "false",
           "Also charge FIFO capacity at operators that hold elements">,
    Option<"perOp", "per-op", "bool", "true",
           "Print one row per operator (otherwise only totals)">,
  ];
}

#endif // STEP_PASSES_TD
