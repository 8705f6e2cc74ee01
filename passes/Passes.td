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

//===----------------------------------------------------------------------===//
// Parallelization of the attention-decode region (reference/step.md §8.3)
//===----------------------------------------------------------------------===//

def StepParallelize : Pass<"step-parallelize", "::mlir::func::FuncOp"> {
  let summary = "split a single-region graph into R regions statically";
  let description = [{
    The function holds one region serving every request (as `step-gen
    attention` builds it): sources (linear loads and metadata_gens, each
    followed by its chain of flattens) whose streams have the request count
    B as their outer dim, and the operators that consume them. The pass
    clones the region R times (`regions`) and gives each clone a share of
    the requests, as STeP's static parallelization does:

    - `strategy=interleaved`: the sources stay shared; each source stream
      goes through a `parallelize` of R outputs (rank = its rank: 1 for the
      per-request q/k/v chunks, 0 for the metadata), so request j goes to
      region j mod R.
    - `strategy=coarse`: no routing; each region gets its own sources for
      its requests. The requests are cut into chunks of `chunk` consecutive
      requests (default B/R, so region r gets the contiguous slice starting
      at r*B/R; B must then be a multiple of R), and chunk k goes to region
      k mod R: with B = 80, R = 4 and chunk 16, region 0 gets requests 0-15
      and 64-79, as STeP's `run_static_coarse_par_b80`. A region's loads
      read a view of its request count, its metadata_gens the `slice`s of
      its chunks.

    In every clone the ragged and partition symbols get the suffix `_r<i>`,
    types are re-inferred, and `assume_shape` ops that stated the request
    count B state the region's count instead.

    Before (one region, sources abbreviated):
    ```mlir
    %q = step.flatten %q0 ranks 1 to 2 : !step.stream<[1, 64, 1], tile<8x64xbf16>>
    %i = step.metadata_gen "kv_lens" {derive = "index"} : !step.stream<[64], tile<1x1xi64>>
    %o = step.expand %q to %kf rank 1 : ...
    ```
    After `--step-parallelize="regions=4 strategy=interleaved"`:
    ```mlir
    %q = step.flatten %q0 ranks 1 to 2 : ...
    %qp:4 = step.parallelize %q rank 1 count 4 : !step.stream<[64, 1], tile<8x64xbf16>>
    %i = step.metadata_gen "kv_lens" {derive = "index"} : !step.stream<[64], tile<1x1xi64>>
    %ip:4 = step.parallelize %i rank 0 count 4 : !step.stream<[64], tile<1x1xi64>>
    // region 0 reads %qp#0, %ip#0, ...; region 3 reads %qp#3, %ip#3
    %o0 = step.expand %qp#0 to %kf0 rank 1 : !step.stream<[16, 1], tile<8x64xbf16>>, ...
    ```
    After `--step-parallelize="regions=4 strategy=coarse"`, region 1:
    ```mlir
    %q1 = step.linear_load "q" [512, 64] as !step.tile<8x64xbf16> view [16, 1]
    %i1 = step.metadata_gen "kv_lens" {derive = "index", slice = array<i64: 16, 16>}
            : !step.stream<[16], tile<1x1xi64>>
    ```
  }];
  let options = [
    Option<"regions", "regions", "int64_t", "4",
           "number of regions R (>= 2; coarse: dividing the request count)">,
    Option<"strategy", "strategy", "std::string", "\"interleaved\"",
           "interleaved (round robin through parallelize) or coarse "
           "(contiguous slices with their own sources)">,
    Option<"chunk", "chunk", "int64_t", "0",
           "coarse: requests per chunk, chunks dealt round robin to the "
           "regions (0: B/R, one contiguous slice per region)">,
  ];
  let dependentDialects = ["::mlir::step::StepDialect"];
}

def StepDynamicParallelize
    : Pass<"step-dynamic-parallelize", "::mlir::func::FuncOp"> {
  let summary = "split a single-region graph into R regions fed on demand";
  let description = [{
    STeP's dynamic parallelization (reference/step.md §8.3; the artifact's
    build_dynmic_par): the sources stay shared and each goes through a
    `partition` of R outputs (rank 1 for per-request chunks, 0 for
    metadata) whose selector says which region takes each request. The
    first R requests go to regions 0..R-1; after that each request goes to
    the region that finished reading the K cache of one of its requests
    first:

    - each region's K-cache `random_load` (tensor `signal-tensor`) also
      feeds an `accum` of `signal_req_all_read`, one 1x1 token per request
      once all its tiles were read;
    - an `eager_merge` of the R signals (through `step.feedback` edges, as
      the regions come after it) gives the region of each completion; its
      data goes to a `sink`;
    - a `partition` by an inline select_gen of B-R ones then R zeros keeps
      the first B-R completions and drops the last R into a `sink`;
    - a `reassemble` of an inline round robin (one_hot(0..R-1)) and those
      completions, driven by R zeros then B-R ones, flattened, is the
      selector of every source partition.

    Partition outputs are named `R0`..`R<R-1>` (each region's request
    count); clones are renamed and re-typed as by `--step-parallelize`.

    Before: the single region (see `--step-parallelize`). After
    `--step-dynamic-parallelize="regions=4"`:
    ```mlir
    %fb0 = step.feedback : !step.stream<[R0], tile<1x1xi64>>
    ...
    %m, %which = step.eager_merge %fb0, %fb1, %fb2, %fb3 rank 0 : ...
    step.sink %m : ...
    %w = step.assume_shape %which : !step.stream<[R0 + R1 + R2 + R3], selector<4, hot = 1>>
           to !step.stream<[64], selector<4, hot = 1>>
    %keep0 = step.select_gen "keep" {targets = array<i64: 1, ..., 1, 0, 0, 0, 0>}
               : !step.stream<[1, 64], selector<2, hot = 1>>
    %keep = step.flatten %keep0 ranks 0 to 1 : !step.stream<[1, 64], selector<2, hot = 1>>
    %done:2 = step.partition %w by %keep rank 0 names ["Dropped", "Done"] : ...
    step.sink %done#0 : ...
    %rr = ... select_gen "round_robin" {targets = array<i64: 0, 1, 2, 3>}, flattened to [4]
    %ctl = ... select_gen "order" {targets = array<i64: 0, 0, 0, 0, 1, ..., 1>}, flattened to [64]
    %s0 = step.reassemble %rr, %done#1 by %ctl rank 0 : ...
    %sel = step.flatten %s0 ranks 0 to 1 : !step.stream<[64, 1], selector<4, hot = 1>>
    %qp:4 = step.partition %q by %sel rank 1 names ["R0", "R1", "R2", "R3"] : ...
    ... regions ...
    %sig0 = step.accum %k0 rank 1 : ... update { step.signal_req_all_read ... }
    step.feedback_connect %sig0 to %fb0 : !step.stream<[R0], tile<1x1xi64>>
    ```
  }];
  let options = [
    Option<"regions", "regions", "int64_t", "4", "number of regions R (>= 2)">,
    Option<"signalTensor", "signal-tensor", "std::string", "\"k_cache\"",
           "tensor of the random_load whose reads signal completion">,
  ];
  let dependentDialects = ["::mlir::step::StepDialect"];
}

def StepFusionIndexSpace
    : Pass<"step-fusion-index-space", "::mlir::ModuleOp"> {
  let summary = "print FuseFlow's fused index space and legal loop orders "
                "per fusion region";
  let description = [{
    FuseFlow's IR #1 (reference/fuseflow.md §3.2, paper Alg. 1) for every
    function marked `step.fusion_region` (every function with linalg ops
    when none is marked). Every loop dim of every linalg op (named ops
    through their indexing maps, and `linalg.generic`; `linalg.fill` is an
    initializer and skipped) is a unique variable. The dims an op's operands
    share are one variable by construction; a use of a linalg result inlines
    the producer, so the consumer's dims for that operand are unioned with
    the producer's output dims. With `copy-per-use` (default) a result used
    N times is inlined N times: the first use takes the producer (`op<K>`),
    each further use a copy (`op<K>#<C>`, with copies of its own producers)
    whose variables are fresh, as substituting into one fused Einsum does;
    this is the recomputation full fusion implies (softmax's max and sum
    each recompute the logits). Without it, all uses of a result share the
    producer's variables, as in FuseFlow's released code, which can force
    unrelated loops together (GraphSAGE's fused neighbour and self terms
    make the adjacency's row and column one variable: a cycle).

    The classes are the index variables, named `u<N>` when they are a local
    reduction (some member is a reduction dim and the variable does not
    index a result the function returns; each op's reduction dims start as
    fresh variables), else `i<N>`. Numbers follow first appearance, primary
    instances in program order first. Function arguments are separate views
    per use; tensor views of intermediates with their own mode orders
    (Alg. 1 step 4), merging of equal views and the permuted copy that
    breaks a cycle are not done.

    Partial-order edges (outer -> inner): each sparse operand's storage
    order (level l before level l+1 of its `#sparse_tensor.encoding`
    dimToLvl map; dense operands add none) and, with `dataflow-edges`, each
    op's dataflow order (d0 before d1 before ...). A cycle is an error
    naming the variables and the ops whose edges close it. Otherwise the
    topological sorts are the concordant global loop orders: their count
    (exact up to 20 variables) and the first `max-orders` in lexicographic
    order of variable numbers; `order=K` marks the K-th as chosen. The IR is
    not changed.

    Input:
    ```mlir
    #CSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed) }>
    func.func @spmv(%A: tensor<8x8xf32, #CSR>, %x: tensor<8xf32>,
                    %y: tensor<8xf32>) -> tensor<8xf32> {
      %r = linalg.matvec ins(%A, %x : tensor<8x8xf32, #CSR>, tensor<8xf32>)
                         outs(%y : tensor<8xf32>) -> tensor<8xf32>
      return %r : tensor<8xf32>
    }
    ```
    Printed (stdout):
    ```
    fusion region @spmv: 1 linalg ops, 2 index variables
      ops:
        op0 %0 (linalg.matvec): d0=i0 d1=u0(red)
      index variables:
        i0: op0.d0
        u0: op0.d1
      edges:
        i0 -> u0: storage order of %arg0 in %0 (linalg.matvec); dataflow order of %0 (linalg.matvec) (d0 before d1)
      loop orders: 1, first 1:
        #0: i0 u0  (chosen)
    ```
  }];
  let options = [
    Option<"dataflowEdges", "dataflow-edges", "bool", "true",
           "add edges from each op's dataflow order (Alg. 1 step 3)">,
    Option<"copyPerUse", "copy-per-use", "bool", "true",
           "inline a result into each further use as a fresh copy of its "
           "producer; false: all uses share the producer's variables">,
    Option<"maxOrders", "max-orders", "unsigned", "20",
           "enumerate and print at most this many loop orders">,
    Option<"order", "order", "int64_t", "0",
           "mark this loop order (0-based) as chosen; error if out of range">,
  ];
}

def StepLowerSparse : Pass<"step-lower-sparse", "::mlir::ModuleOp"> {
  let summary = "lower each fusion region (linalg + sparse_tensor) to one "
                "fused graph of SAM streams";
  let description = [{
    FuseFlow's lowering with cross-expression fusion (reference/fuseflow.md
    §3.2-3.3) for every function marked `step.fusion_region` (every function
    with linalg ops when none is marked). Each region `@F` becomes a new
    function `@F_sam` of step sparse-stream ops (root, fiber_lookup,
    intersect/union, locate, fiber_repeat, array_val, map, reduce, spacc,
    val_write), which replace the module's functions. Run `--step-insert-broadcast`
    after it (streams read twice get a broadcast).

    - The fused expression: the region's result traced back through its
      linalg ops (`linalg.generic` with arith/math bodies, named ops with a
      region such as `linalg.matmul`; a reduction's output must be a
      `linalg.fill` with its identity), every use of a result recomputed,
      contraction chains merged into one fused Einsum.
    - The loop order: topological sorts of the sparse operands' storage
      orders and the result's row-major order, lexicographic over the
      variables numbered top-down (per op: its result variables but the
      last, its reductions, its last result variable; so order 0 is the
      row-wise, Gustavson-like dataflow); `order=K` takes the K-th order
      this lowering accepts
      (some orders need what it does not build: two result variables below
      a reduction, i.e. a spacc of order 2). `@F_sam` records it as
      `step.loop_order`.
      With `chain-first` an op's operands are numbered before its
      reductions and its last result variable (leaf storage orders last):
      order 0 then puts every reduction of a chain of contractions above the
      chain's result column, e.g. `y = (LN(h) W1ᵀ) W2ᵀ` over rows i,
      hidden m, FFN f, columns j is numbered i, m, f, j (each operand computed
      once per row and reduction index, no recomputation per column), where
      the default numbering starts i, j and recomputes the whole chain for
      every output column (j above f above m).
    - Joins follow the expression: products intersect, sums union (a side
      without the variable makes the level dense: a dense scan unioned with
      the sparse side); ReLU (`max(x, 0)`), negation and scaling keep their
      operand's structure, `exp`/`log` make it dense. Dense operands are
      located from joined coordinates.
    - Reductions: `reduce` when the reduced variable is innermost, `spacc`
      order 1 with `keep_empty` when one result variable lies below it. A
      reduce gets the coordinates of the level above as `outer`: below an
      empty fiber the values carry a bare stop that SAM's reducer alone
      would take for an element with an empty fiber.
    - Tensors are bound by name (`step-sim --bind NAME=DIR`): an argument's
      name location `%A: tensor<..> loc("A")`, else `argN`; dense arguments
      read in another order than row-major are views `NAME@p0,p1` (the
      permuted array, listed in `step.views`); the result is `output`
      (values in row-major order; a sparse result, stored in dim order, also
      gets a fiber_write per compressed level, empty fibers kept as empty
      segments). Sparse arguments named in
      `views=` may be read the same way (a permuted copy, FuseFlow's remedy
      for a discordant traversal); the others only in storage order.

    Input:
    ```mlir
    #CSR = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed) }>
    func.func @spmv(%A: tensor<4x4xf32, #CSR> loc("A"), %x: tensor<4xf32> loc("x")) -> tensor<4xf32> {
      %z = arith.constant 0.0 : f32
      %e = tensor.empty() : tensor<4xf32>
      %y0 = linalg.fill ins(%z : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
      %y = linalg.matvec ins(%A, %x : tensor<4x4xf32, #CSR>, tensor<4xf32>) outs(%y0 : tensor<4xf32>) -> tensor<4xf32>
      return %y : tensor<4xf32>
    }
    ```
    - Sparsity blocking (`block=B`, FuseFlow §3.6): values are dense B x B
      tiles and the sparse iteration runs over blocks. The blocked dims of
      a tensor (argument, linalg result, region result) are its innermost
      two dims whose extent is a multiple of B (so the heads dim of a
      `[12, 1024, 64]` tensor is not blocked; a `[768]` bias and a
      `[12, 1024]` row statistic have one blocked dim); an index variable
      is blocked when it indexes a blocked dim, and then iterates over
      extent / B blocks. A variable blocked in one tensor and not in
      another is an error naming both. Each value is the tile of its
      tensor's blocked dims in dim order: `[B, B]` for two, a vector `[1, B]`
      or `[B, 1]` for one (as the expression needs: the same data), `[1, 1]`
      for none (`array_val ... tile [R, C]`). The scalar body becomes tile
      ops: a product of two tiles that share a blocked reduction variable
      and nothing else (and no other factor has it) is `step.matmul`
      (`transpose_b`, or the operands swapped, as the tiles' layouts need;
      both operands with the variable as rows is an error), other products
      (e.g. a square `(x - m) * (x - m)` summed over a row) and all other
      arithmetic are elementwise with size-1 broadcasting; a blocked
      reduction variable that no product contracts is reduced in the block
      by `row_sum`/`row_max` (FuseFlow's block-internal row sum) before the
      reduce across blocks (a reduction over a tile's rows is an error).
      The dense result's tile must be in dim order (else an error). Inside
      a stored block every element is a value: ops that depend on which
      elements are stored (`sparse_tensor.unary`/`binary`/`reduce`) see
      whole blocks, which matches the scalar result when the sparse
      operands' blocks are full (a BigBird mask whose block is a multiple
      of B). The bound tensors must be blocked the same way (`run-step
      --block B`: levels over blocks, vals `[n, R, C]`). `block=16` on the
      example gives `%va = step.array_val ... tensor "A" block 16`, `%vx =
      step.array_val ... tensor "x" tile [16, 1]`, the map body `step.matmul
      %a, %x : tile<16x16xf32>, tile<16x1xf32>` (a `[16, 1]` tile; the
      reduce sums those across the blocks of a row) on 64 x 64 / 64 inputs.

    Output (abridged):
    ```mlir
    func.func @spmv_sam() attributes {step.loop_order = "v0,v1", ...} {
      %r = step.root
      %i, %ri = step.fiber_lookup %r tensor "A" mode 0 "dense" dim 4 : ...
      %j, %rj = step.fiber_lookup %ri tensor "A" mode 1 "compressed" name "L0" : ...
      %xj = step.locate %j, %rj, %xr dim 4 : ...      // x located at A's j
      %va = step.array_val ... tensor "A"
      %vx = step.array_val ... tensor "x"
      %p = step.map %va, %vx { step.mul }
      %y = step.reduce %p kind "add" outer %i
      step.val_write %y tensor "output"
    }
    ```
  }];
  let options = [
    Option<"order", "order", "int64_t", "0",
           "use the K-th (0-based) accepted loop order of each region">,
    Option<"clampOrder", "clamp-order", "bool", "true",
           "a region with fewer than K+1 orders uses its last one (false: "
           "an error)">,
    Option<"maxTries", "max-tries", "uint64_t", "200000",
           "give up after trying this many complete loop orders">,
    Option<"chainFirst", "chain-first", "bool", "false",
           "number variables operands-first (order 0 is Gustavson for every "
           "contraction of a chain, see the description)">,
    Option<"viewsOpt", "views", "std::string", "\"\"",
           "comma-separated sparse tensors that may be read from a permuted "
           "copy (FuseFlow's transposed copy; e.g. static weights), named "
           "NAME@p0,p1 in step.views">,
    Option<"block", "block", "int64_t", "0",
           "sparsity blocking: values are B x B tiles of each tensor's two "
           "innermost dims that are multiples of B, iteration over blocks "
           "(0 or 1: scalar values; see the description)">,
    Option<"channelDepth", "channel-depth", "int64_t", "4096",
           "FIFO depth recorded as step.channel_depth (default: deep, toward "
           "Comal's unbounded channels; 0 leaves the module's)">,
  ];
  let dependentDialects = ["::mlir::step::StepDialect"];
}

def StepSamParallelize : Pass<"step-sam-parallelize", "::mlir::ModuleOp"> {
  let summary = "fork one level of each lowered SAM graph into parallel lanes "
                "(FuseFlow's stream parallelizer)";
  let description = [{
    FuseFlow's `--stream-parallelizer` (reference/fuseflow.md §3.6) over the
    functions `--step-lower-sparse` writes (every function with a
    `fiber_lookup`, or only those named in `funcs=`). Run it before
    `--step-insert-broadcast`.

    `level=L` is a stream depth: the level whose dimension sits at position
    L of the stream shapes, so level 1 is the outermost loop variable of the
    region's `step.loop_order` (position 0 is the root's `[1]`), level 2
    the next one, and so on. Depth is unambiguous in the lowered IR, where a
    dense level has no name and a variable may have several (one per scan
    or joiner). `factor=P` is the number of lanes; P = 1 leaves the IR
    unchanged. Lists (`level=1,2 factor=2,4`) parallelize nested levels,
    outer first: the inner level is then forked inside every outer lane.

    In each function:
    1. Every stream with a dimension at position L gets a structure (its
       sequence of level-L elements): a level-L `fiber_lookup` (from an
       L-dimensional reference) or a level-L `intersect`/`union` creates
       one; per-element operators keep their operands' (deeper scans and
       joiners, `repeat_sig`, `fiber_repeat`, `locate`, `array_val`, `map`,
       a `reduce` or `crd_drop` below L, a `spacc` whose reduced level is
       below L, or whose outer level is L with `keep_empty` and unused outer
       coordinates, `sink`, `broadcast`).
    2. A structure read by a level-L joiner is not final; each final one
       made by a level-L scan or joiner is one fork group: the scan's or
       joiner's results get `step.fork ... count P` (results read only by
       sinks are not forked). Every group has its own lane names.
    3. The per-element operators reached from the forks are cloned P times
       (lane k reads fork result k). Streams without a level-L dimension
       flowing in are read whole by every lane (a root is repeated per lane,
       others get a broadcast from `--step-insert-broadcast`).
    4. Any other reader of a lane stream (`val_write`, `fiber_write`, a
       `reduce` over L, a `spacc` or `crd_drop` that would drop level-L
       elements, a previous `join`) reads `step.join` of the P lanes,
       `depth` = the levels below L. The join restores the stream exactly,
       so a ragged level keeps its name and type.

    Every lane must get an element of every level-L fiber when a deeper
    level lies below it: a lane's empty fiber is a bare stop, which the
    scanners below read as one element with an empty fiber (SAM's stop
    reading, simulator/README.md), and the join (depth >= 1) reads a bare
    stop the same way. So a group is refused unless its fibers hold at least
    P elements: a dense scan's `dim`, a union's largest operand's bound, an
    intersection's smallest, 0 for a compressed level. The lowering's
    levels are unions with a dense scan of the whole dimension, so P is
    bounded by the dimension.

    Errors, at the operator: a level no stream of the function reaches, no
    level-L scan or joiner feeding per-element work, a level whose fibers
    may hold fewer than P elements above a deeper level, an operator that
    combines the forked streams with a level-L stream not forked with them
    (e.g. a scan from before the level's joiner), a level < 1, a factor < 1,
    unequal numbers of levels and factors, an unknown function in `funcs=`.

    Input (SpMV y = A x, A CSR with 4 rows, abridged):
    ```mlir
    %r = step.root
    %i, %ri = step.fiber_lookup %r tensor "A" mode 0 "dense" dim 4 : !step.stream<[1], ref>
    %j, %rj = step.fiber_lookup %ri tensor "A" mode 1 "compressed" name "L0" : !step.stream<[1, 4], ref>
    %x0 = step.root
    %xr = step.fiber_repeat %x0, %i : !step.stream<[1], ref>, !step.stream<[1, 4], crd>
    %c, %ra, %rx = step.locate %j, %rj, %xr dim 4 : ...
    ... array_val, map (mul) ...
    %y = step.reduce %p kind "add" : !step.stream<[1, 4, ragged<L0>], tile<1x1xf32>>
    step.val_write %y tensor "output" : !step.stream<[1, 4], tile<1x1xf32>>
    ```
    After `--step-sam-parallelize="level=1 factor=2"`:
    ```mlir
    %i, %ri = step.fiber_lookup %r tensor "A" mode 0 "dense" dim 4 : !step.stream<[1], ref>
    %fi:2 = step.fork %i count 2 name "P1" : !step.stream<[1, 4], crd>
    %fr:2 = step.fork %ri count 2 name "P1" : !step.stream<[1, 4], ref>
    %j0, %rj0 = step.fiber_lookup %fr#0 tensor "A" mode 1 "compressed" name "L0" : !step.stream<[1, ragged<P1_0>], ref>
    %j1, %rj1 = step.fiber_lookup %fr#1 tensor "A" mode 1 "compressed" name "L0" : !step.stream<[1, ragged<P1_1>], ref>
    %x0a = step.root
    %xr0 = step.fiber_repeat %x0a, %fi#0 : ...
    ... lane 0 and lane 1 of locate, array_val, map, reduce ...
    %y = step.join %y0, %y1 depth 0 name "J1"
        : !step.stream<[1, ragged<P1_0>], tile<1x1xf32>>, !step.stream<[1, ragged<P1_1>], tile<1x1xf32>>
    step.val_write %y tensor "output" : !step.stream<[1, ragged<J1>], tile<1x1xf32>>
    ```
  }];
  let options = [
    ListOption<"levels", "level", "int64_t",
               "levels to parallelize, outermost first (1 = the outermost "
               "loop level: stream dim 1)">,
    ListOption<"factors", "factor", "int64_t",
               "lanes per level (same count as level=; 1 = unchanged)">,
    ListOption<"funcs", "funcs", "std::string",
               "only these functions (default: every function with a "
               "fiber_lookup)">,
  ];
  let dependentDialects = ["::mlir::step::StepDialect"];
}

def StepFusionEstimate
    : Pass<"step-fusion-estimate", "::mlir::ModuleOp"> {
  let summary = "estimate ops and memory traffic of each fusion region "
                "(FuseFlow's fusion heuristic)";
  let description = [{
    FuseFlow's fusion heuristic (reference/fuseflow.md §3.6; `StatVisitor`
    in FuseFlow's released code) over the fused index space of
    `--step-fusion-index-space`: same regions, variables and options, and
    `order=K` picks the loop order. Non-interactive (FuseFlow prompts on
    stdin): every index variable's extent comes from the ops' static loop
    ranges, the density of a sparse argument's non-dense levels from
    `density=NAME:P,...` (NAME is `argN`, the function argument index, or
    an argument's name location `%A: tensor<..> loc("A")`; the name wins;
    default 1.0). Counts are in elements. The IR is not changed.

    This is FuseFlow's formula as its code states it, one loop nest per op.
    For fused regions it is far from what the lowering builds (it has no
    reducer placement and nests every recomputed copy); the same heuristic
    evaluated over the lowered graph is `--step-sam-estimate`, which is
    what `scripts/explore_fusion.py` reports as est_flops / est_bytes.

    Rules as the reference states them:
    - Ops of a node = product of the coordinates of the scoped loops up to
      its last own loop; mul/div nodes use all of them, add/sub (and
      max/min) only those indexing the left operand (input 0); x2 when the
      node has a reduction iterator.
    - Writes of a returned result: per level in storage order, seg (the
      coordinates outside the level) and crd (up to it), then the values;
      every level, dense or not, as FuseFlow counts.
    - Input reads (function arguments and constants; an inlined linalg
      result is not read) times the coordinates of every scoped loop that
      does not index the operand, x2 at the outermost loop.
    Where the reference is silent, as FuseFlow's code does or our choice:
    - One binary node per linalg op: mul if its body has a mulf/divf/muli/
      div, else add if it has addf/subf/addi/subi/max/min, else no node
      (0 ops; unary ops are not counted).
    - The base read of an input is its value count (product of its levels'
      coordinates); the loop multiplication and the x2 apply in mul/div
      nodes only (the x2 is on every such input); add/sub inputs are read
      once.
    - Coordinates of a variable: extent x the product of the densities of
      the distinct sparse arguments with a non-dense level on it (our
      reading: the densities multiply, an intersection-rate estimate; the
      reference prompts for it). Union (add) co-iteration is not modelled.
      P applies to each non-dense level of the argument (FuseFlow asks a
      percentage per compressed level): a DCSR matrix at P has P x P of
      its entries stored.
    - Scope of an op: the loops of the chosen order up to its innermost own
      loop, except loops it does not index whose members are all reduction
      dims (another op's reduction, closed before it runs). Loops in scope
      that it does not index recompute it: the cost of full fusion.

    Input: SpMV, `%A: tensor<100x100xf32, #CSR>`, `density=arg0:0.1`:
    ```mlir
    %r = linalg.matvec ins(%A, %x : tensor<100x100xf32, #CSR>, tensor<100xf32>)
                       outs(%y : tensor<100xf32>) -> tensor<100xf32>
    ```
    Printed (stdout):
    ```
    fusion estimate @spmv: order i0 u0
      coords: i0=100 u0=100*0.1=10
      op0 %0 (linalg.matvec): mul, reduction: ops 2000 (scope i0 u0); reads 4000 (%arg0 2000, %arg1 2000); writes 201
      total @spmv: ops 2000, bytes 4201
    module estimate: ops 2000, bytes 4201 (elements)
    ```
  }];
  let options = [
    Option<"dataflowEdges", "dataflow-edges", "bool", "true",
           "as in --step-fusion-index-space">,
    Option<"copyPerUse", "copy-per-use", "bool", "true",
           "as in --step-fusion-index-space">,
    Option<"order", "order", "int64_t", "0",
           "estimate the K-th (0-based) loop order of each region">,
    Option<"density", "density", "std::string", "\"\"",
           "comma-separated NAME:P (NAME argN or an argument's loc name, "
           "0 < P <= 1): density of that argument's non-dense levels; a "
           "malformed entry is an error, a NAME matching no argument a "
           "warning">,
  ];
}

def StepSamEstimate : Pass<"step-sam-estimate", "::mlir::ModuleOp"> {
  let summary = "estimate the FLOPs and memory bytes of lowered SAM graphs "
                "without simulating them";
  let description = [{
    FuseFlow's fusion heuristic (estimated coordinates = extent x density,
    multiplied down the loop nest; reference/fuseflow.md §3.6) evaluated
    over the graph `--step-lower-sparse` built, operator by operator, so the
    estimate sees the same scopes, recomputation, reducers and accumulators
    the simulation runs. `--step-fusion-estimate` applies FuseFlow's
    per-op formula to the linalg regions instead; with fused regions the two
    differ widely, because the formula has one loop nest per op and no
    reducer placement (see examples/sparse_models/README.md).

    Input: a module with `@<region>_sam` functions (run after
    `--step-lower-sparse`; `--step-insert-broadcast` may have run). Sizes
    and densities come from `stats=FILE`, one line per compressed level of
    a bound tensor: `TENSOR MODE EXTENT FIBERS CRDS` (the extent of the
    mode, the number of fibers in it, and the coordinates stored in it;
    `#` starts a comment). `frontends/torch/run-step --estimate` writes it
    from the tensors it binds. A compressed level without statistics is
    taken as full, with a warning naming the operator. Nothing is
    simulated; the IR is not changed. Printed on stdout, per function and
    for the module:
    ```
    sam estimate @r0_sam: flops 9664, bytes read 170128, written 2176
    module sam estimate: flops 9664, bytes 172304 (read 170128, written 2176)
    ```

    The model. Every stream gets, per level, the expected number of
    coordinates over the whole stream and a formula saying which
    coordinates exist under a parent position; references and values also
    carry the formula of the positions that hold an element rather than N.
    Formulas are over independent "atoms", one per (tensor, mode, depth)
    scanned, whose probability is the mode's mean fiber length over its
    extent; a union is their disjunction, an intersection their
    conjunction, and the same atom joined with itself stays one atom (the
    lowering duplicates coordinate streams).
    - `fiber_lookup`: compressed, `fibers x mean fiber length` coordinates
      for the valid parent references; dense, `dim` per reference.
    - `intersect` / `union`: `parent x extent x P(formula | parent)`; a
      union's reference results are valid where their input exists.
    - `fiber_repeat`: the signal's levels with the input's validity;
      `locate`, `repeat_sig`, `broadcast`: their inputs' estimates.
    - `reduce`: drops the last level (with `outer`, takes `outer`'s
      levels); a fiber of extent X and per-coordinate
      probability q is non-empty with probability `1 - (1 - q)^X`.
    - `spacc` (order 1): per block, the union of its K fibers over J,
      `1 - (1 - q)^(K per block)` per coordinate; blocks without elements
      are dropped unless `keep_empty`.
    - `crd_drop`: outer coordinates scaled by the non-empty probability;
      `fork` splits the innermost level across lanes, `join` sums them.
    Counting rules, as the simulator counts (simulator/README.md):
    - FLOPs: a `map` counts its tile ops per element where some input is
      not N (add/sub/mul/max/div/neg 1, exp/log 4, silu 8 per scalar of
      their result tile, row_sum/row_max 1 per input scalar, a block
      product 2·M·K·N); `reduce` one add per element beyond the first of
      each fiber, `spacc` one per element it takes (its accumulator starts
      at zero), each of a tile's size (blocked values, `block=B` lowering).
    - Bytes (4 per number): a compressed `fiber_lookup` reads 8 (two seg
      entries) per reference and 4 per coordinate; `array_val` reads its
      values (R·C numbers for `tile<RxC>` values); `fiber_write` writes 4
      per coordinate and per stop (one per innermost fiber); `val_write` 4
      per number of a value (an N writes a zero tile).
    The assumptions that make it an estimate: coordinates of distinct
    atoms are independent, and every fiber of a mode is as long as the
    mode's mean, whichever references reach it (a scan driven by another
    tensor's coordinates, as in the nested product of full GCN fusion,
    visits long fibers more often on power-law graphs: the estimate is
    low there).
  }];
  let options = [
    Option<"statsFile", "stats", "std::string", "\"\"",
           "file of TENSOR MODE EXTENT FIBERS CRDS lines, one per "
           "compressed level of a bound tensor">,
    Option<"function", "function", "std::string", "\"\"",
           "estimate only this function (default: every @*_sam)">,
  ];
}

#endif // STEP_PASSES_TD
