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

def StepDynamicTiling : Pass<"step-dynamic-tiling"> {
  let summary = "pack each expert's tokens into one dynamically shaped tile";
  let description = [{
    STeP's dynamic tiling (reference/step.md §3.3, §8.1): the first reshape
    of an expert, which cuts its token stream `[B_i]` (a partition output)
    into chunks of N rows that an `accum` packs with `retile_rows` into a
    static `tile<N x C>`, is replaced by a `promote`, and the accumulator
    becomes `tile<[B_i, C]>`: one tile holding exactly the B_i tokens routed
    to the expert, with no padding rows. Weights are then loaded once per
    expert instead of once per N tokens.

    The new types are propagated through the graph as `--step-infer-shapes`
    does, and also into regions: the block arguments of downstream `map`,
    `accum`, `scan` and `flatmap` operators take the new element types and
    the tile operators inside are re-inferred. An accumulator initialized by
    `zeros` whose row count was that of an input tile that became dynamic
    (the down projection's `tile<N x 4096>`) follows it, and `split_rows`
    on a tile that became dynamic no longer drops padding (there is none),
    so the `flatmap` splitting it yields `[B_i]` rows.

    A reshape whose padding flags are used is left alone, with a remark. A
    graph with nothing to rewrite is left unchanged. The padding flags of
    the removed reshape disappear with it; the IR is otherwise what the
    dynamic-tiling generator writes (examples/moe_expert: the result of
    this pass on `moe_tile16.mlir` prints as `moe_dyn.mlir` but for the
    function's name).

    Before:
    ```mlir
    %c, %pad = step.reshape %e#0 rank 0 chunk 16 : !step.stream<[B0], tile<1x4096xbf16>>
    %t = step.accum %c rank 1 : !step.stream<[(B0 + 15) floordiv 16, 16], tile<1x4096xbf16>>
      init { %z = step.zeros : !step.tile<16x4096xf32>
             step.yield %z : !step.tile<16x4096xf32> }
      update { ^bb0(%acc: !step.tile<16x4096xf32>, %r: !step.tile<1x4096xbf16>):
        %n = step.retile_rows %acc, %r : !step.tile<16x4096xf32>, !step.tile<1x4096xbf16>
        step.yield %n : !step.tile<16x4096xf32> }
    // %t : !step.stream<[(B0 + 15) floordiv 16], tile<16x4096xf32>>
    ```
    After:
    ```mlir
    %p = step.promote %e#0 : !step.stream<[B0], tile<1x4096xbf16>>
    %t = step.accum %p rank 1 : !step.stream<[B0 ceildiv max(B0, 1), B0], tile<1x4096xbf16>>
      init { %z = step.zeros : !step.tile<[B0, 4096], f32>
             step.yield %z : !step.tile<[B0, 4096], f32> }
      update { ^bb0(%acc: !step.tile<[B0, 4096], f32>, %r: !step.tile<1x4096xbf16>):
        %n = step.retile_rows %acc, %r : !step.tile<[B0, 4096], f32>, !step.tile<1x4096xbf16>
        step.yield %n : !step.tile<[B0, 4096], f32> }
    // %t : !step.stream<[B0 ceildiv max(B0, 1)], tile<[B0, 4096], f32>>
    ```
  }];
  let dependentDialects = ["::mlir::step::StepDialect"];
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

//===----------------------------------------------------------------------===//
// Configuration time-multiplexing
//===----------------------------------------------------------------------===//

def StepTimeMultiplex : Pass<"step-time-multiplex"> {
  let summary = "share each configured expert region among E/P experts (STeP §8.2)";
  let description = [{
    STeP's configuration time-multiplexing (reference/step.md §8.2; the graph
    of step-perf's timeshare experiment,
    simulator/docs/step-perf-routing-and-attention.md §3) on an MoE function
    as `step-gen moe` writes it, with static or dynamic tiling. The E experts
    are grouped into `regions` = P contiguous regions of E/P experts (region
    r holds experts r*E/P .. (r+1)*E/P - 1). Per region:

    - an `eager_merge` (rank 0) forwards the region's experts' packed-token
      tiles (the accum outputs after the token partition) as they become
      ready, with a one-hot selector naming the expert of each tile;
    - the merged tiles feed one copy of the expert pipeline (the first
      expert's repeat, matmuls, SiLU, product and down-projection accum are
      reused as the template);
    - its three weight loads become `random_load`s of the region's weight
      tensors `<w>_r<r>` (the experts' weights concatenated along dim 0),
      addressed by an `expert_addr_gen` over the merge's selector with
      `tiles` = the repeat count (F / tile_F);
    - a `partition` (rank 0, control = the merge's selector) with E/P outputs
      returns every output tile to its expert's `split_rows` flatmap, which
      is told the expert's token count as its `dim`.

    The other experts' loads and compute are erased; the block is then sorted
    topologically and every type re-inferred (with dynamic tiling the merged
    tiles are `tile<[max_i B_i, C]>` and the down-projection accumulator
    follows). The merge selector and the addresses fan out to several
    consumers: run `--step-insert-broadcast` afterwards (`step-sim` does).

    P = E is the identity: one dedicated region per expert, which is STeP's
    baseline (the plain static graph, `run_ws_tile_mn_mk_revet`). Errors,
    naming the op: `regions` missing or not dividing E (at the token
    partition), no token partition, or an expert whose pipeline is not the
    recognised shape (at its packing accum).

    Before (one of E experts, static tiles of 32 rows, F/tile_F = 16):
    ```mlir
    %t0 = step.accum %c0 rank 1 ... // !step.stream<[(B0 + 31) floordiv 32], tile<32x2048xf32>>
    %r0 = step.repeat %t0 count 16 : ...
    %l0 = step.linear_load "w1_e0" [2048, 768] as !step.tile<2048x48xbf16> view [1, 16] ref %t0 : ...
    %f0 = step.flatten %l0 ranks 0 to 1 : ...
    ... // w3_e0, w2_e0 likewise; matmuls, silu, mul
    %d0 = step.accum %m0, %f2 rank 1 ... // down projection
    %s0 = step.flatmap %d0 dim "B0" : ... { split_rows }
    ```
    After (`regions` = E/2, two experts per region):
    ```mlir
    %m, %sel = step.eager_merge %t0, %t1 rank 0 : ...
    // !step.stream<[(B0 + 31) floordiv 32 + (B1 + 31) floordiv 32], tile<32x2048xf32>>
    %a = step.expert_addr_gen %sel tiles 16 : ...
    %w1 = step.random_load "w1_r0" [4096, 768] as !step.tile<2048x48xbf16> addr %a : ...
    ... // w3_r0, w2_r0 ([1536, 2048])
    %r = step.repeat %m count 16 : ...
    ... // one copy of the matmuls, silu, mul
    %d = step.accum %x, %w2 rank 1 ...
    %o:2 = step.partition %d by %sel rank 0 names ["C_e0", "C_e1"] : ...
    %s0 = step.flatmap %o#0 dim "B0" : ... { split_rows }
    %s1 = step.flatmap %o#1 dim "B1" : ... { split_rows }
    ```
  }];
  let options = [
    Option<"regions", "regions", "int64_t", "0",
           "Number of configured regions P; must divide the number of "
           "experts E (P = E leaves the graph unchanged)">,
  ];
  let dependentDialects = ["::mlir::step::StepDialect"];
}

#endif // STEP_PASSES_TD
