//===- StepOps.td - step dialect operators -----------------*- tablegen -*-===//
//
// The operators of the STeP abstraction (reference/step.md §3.1) plus
// broadcast, parallelize, runtime-input sources, and the tile ops that make up
// the regions of higher-order operators (§3.2).
//
// Ranks are counted from the innermost dimension (rank 0) as in STeP; stream
// shapes are written outermost first.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_OPS_TD
#define STEP_OPS_TD

include "dialects/Step/StepBase.td"
include "dialects/Step/StepTypes.td"
include "dialects/Step/StepInterfaces.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/IR/RegionKindInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

// `cost` lists the cost-interface methods the op overrides (the defaults are
// zero).
class Step_StreamOp<string mnemonic, list<Trait> traits = [],
                    list<string> cost = []>
    : Step_Op<mnemonic, !listconcat(traits, [
        DeclareOpInterfaceMethods<Step_CostOpInterface, cost>])>;

class Step_InferredStreamOp<string mnemonic, list<Trait> traits = [],
                            list<string> cost = []>
    : Step_StreamOp<mnemonic, !listconcat(traits, [InferTypeOpAdaptor]), cost>;

defvar BothCosts = ["getOffChipBytes", "getOnChipBytes"];
defvar OnChipCost = ["getOnChipBytes"];

def Step_NonNegI64 : ConfinedAttr<I64Attr, [IntNonNegative]>;
def Step_PosI64 : ConfinedAttr<I64Attr, [IntPositive]>;

//===----------------------------------------------------------------------===//
// Off-chip memory operators
//===----------------------------------------------------------------------===//

def Step_LinearLoadOp : Step_InferredStreamOp<"linear_load", [], BothCosts> {
  let summary = "LinearOffChipLoad: tiled affine read of an off-chip tensor";
  let description = [{
    Reads the off-chip tensor `tensor` (a row-major array of `tensor_shape`
    scalars of the tile's element type) in tiles of type `tile`. The tensor is
    viewed as a grid of tiles; `view` gives the shape of the tiles read (in
    tile units) and `stride` the step in tiles along each view dimension
    (default: row-major over the tile grid, i.e. the view walks the grid).

    Without `ref`, the view is read once and the result has shape
    `[1] ++ view`. With `ref` (any stream; its contents are ignored), the
    whole view is read again for every element of `ref`, which is how STeP
    expresses a dynamic repeat: the result has shape `ref.shape ++ view`.

    Cost: off-chip traffic is `|result| * |tile|`; on-chip one tile (mode 1)
    or two (mode 2, double buffering).

    Simulation: one request per tile row and request-sized column chunk,
    `par_dispatch` requests per cycle (default: the architecture's), one
    tile in flight; loaded tiles sit in a memory unit.

    ```mlir
    // W1 of Mixtral (4096 x 14336) in 4096x64 tiles, once per token tile.
    %w = step.linear_load "w1" [4096, 14336] as !step.tile<4096x64xbf16>
           view [1, 224] ref %x : !step.stream<[C0], tile<16x4096xf32>>
    // -> !step.stream<[C0, 1, 224], tile<4096x64xbf16>>
    ```
  }];
  let arguments = (ins Optional<Step_AnyStream>:$ref, StrAttr:$tensor,
                       DenseI64ArrayAttr:$tensor_shape, TypeAttrOf<Step_AnyTile>:$tile,
                       DenseI64ArrayAttr:$view, OptionalAttr<DenseI64ArrayAttr>:$stride,
                       OptionalAttr<Step_PosI64>:$par_dispatch);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = [{
    $tensor $tensor_shape `as` $tile `view` $view (`stride` $stride^)?
    (`ref` $ref^ `:` qualified(type($ref)))? attr-dict
  }];
}

def Step_LinearStoreOp : Step_StreamOp<"linear_store", [], BothCosts> {
  let summary = "LinearOffChipStore: writes a stream of tiles to off-chip memory";
  let description = [{
    Stores the statically shaped tiles of `input` linearly into the off-chip
    tensor `tensor` of `tensor_shape` scalars. When the stream's size is
    static it must cover the tensor exactly.

    Cost: off-chip traffic `|input| * |tile|`; on-chip one tile (mode 1) or
    two (mode 2). Simulation: `par_dispatch` write requests per cycle; a tile
    leaves the input FIFO when all its writes are acknowledged.

    ```mlir
    step.linear_store %y to "out" [64, 4096] : !step.stream<[1, 64], tile<1x4096xf32>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input, StrAttr:$tensor,
                       DenseI64ArrayAttr:$tensor_shape,
                       OptionalAttr<Step_PosI64>:$par_dispatch);
  let assemblyFormat = "$input `to` $tensor $tensor_shape attr-dict `:` qualified(type($input))";
  let hasVerifier = 1;
}

def Step_RandomLoadOp : Step_InferredStreamOp<"random_load", [], BothCosts> {
  let summary = "RandomOffChipLoad: reads tiles at addresses given by a stream";
  let description = [{
    For every element of `addr` (an integer scalar or a 1x1 integer tile
    holding a tile index into the tensor's tile grid) reads one tile of type
    `tile` from the off-chip tensor. The result has the shape of `addr`.

    ```mlir
    %w = step.random_load "w1" [8, 4096, 14336] as !step.tile<4096x64xbf16>
           addr %a : !step.stream<[N, 224], tile<1x1xi64>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$addr, StrAttr:$tensor,
                       DenseI64ArrayAttr:$tensor_shape, TypeAttrOf<Step_AnyTile>:$tile,
                       OptionalAttr<Step_PosI64>:$par_dispatch);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = [{
    $tensor $tensor_shape `as` $tile `addr` $addr attr-dict `:` qualified(type($addr))
  }];
}

def Step_RandomStoreOp : Step_InferredStreamOp<"random_store", [], BothCosts> {
  let summary = "RandomOffChipStore: writes tiles at addresses given by a stream";
  let description = [{
    Writes each tile of `data` at the tile index given by the matching
    element of `addr`; both streams have the same shape. Emits one `i1`
    acknowledgement per write, with the shape of `addr`.

    ```mlir
    %ack = step.random_store "kv" [64, 6464, 64] addr %a : !step.stream<[B], i64>
             data %d : !step.stream<[B], tile<1x64xbf16>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$addr, Step_AnyStream:$data,
                       StrAttr:$tensor, DenseI64ArrayAttr:$tensor_shape,
                       OptionalAttr<Step_PosI64>:$par_dispatch);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = [{
    $tensor $tensor_shape `addr` $addr `:` qualified(type($addr)) `data` $data `:` qualified(type($data)) attr-dict
  }];
}

//===----------------------------------------------------------------------===//
// On-chip memory operators
//===----------------------------------------------------------------------===//

def Step_BufferizeOp : Step_InferredStreamOp<"bufferize", [], BothCosts> {
  let summary = "Bufferize: materializes the inner dimensions in memory";
  let description = [{
    Stores the inner `rank` dimensions of `input` in on-chip memory (or
    off-chip with `offchip`), in linear order, and emits one buffer reference
    each time they complete. Input `[D_a..D_b, D_{b-1}..D_0]` with b = rank
    gives `[D_a..D_b]` of `buffer<[D_{b-1}..D_0], tile>`. Inner buffered
    dimensions may be dynamic; only the outermost buffered one may be ragged.

    Cost (on-chip): `|tile| + 2 * |buffer|` (`|tile|` when off-chip, which
    adds `|input| * |tile|` of off-chip traffic).

    ```mlir
    %b = step.bufferize %x rank 1 : !step.stream<[4, 16], tile<16x64xbf16>>
    // -> !step.stream<[4], buffer<[16], tile<16x64xbf16>>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input, Step_PosI64:$rank, UnitAttr:$offchip);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "$input `rank` $rank (`offchip` $offchip^)? attr-dict `:` qualified(type($input))";
}

def Step_StreamifyOp : Step_InferredStreamOp<"streamify", [], BothCosts> {
  let summary = "Streamify: reads buffers back as streams, repeatedly";
  let description = [{
    For each buffer of `input` (shape `[D_b..D_0]`), reads the buffer linearly
    as a stream. Static form: each buffer is read `prod(repeat)` times and the
    result is `input.shape ++ repeat ++ buffer.shape`. Reference form: `ref`
    has the shape of `input` followed by `repeat_rank` more dimensions, and
    the buffer is read once per element of those: the result is
    `ref.shape ++ buffer.shape` (a dynamic broadcast).

    Cost (on-chip): mode 1 `|buffer| + |tile|`, mode 2 nothing (already
    counted by bufferize).

    ```mlir
    %s = step.streamify %b repeat [3] : !step.stream<[4], buffer<[16], tile<16x64xbf16>>>
    // -> !step.stream<[4, 3, 16], tile<16x64xbf16>>
    %t = step.streamify %b ref %r rank 1 : !step.stream<[4], buffer<[16], tile<16x64xbf16>>>,
           !step.stream<[4, N], tile<1x1xi64>>
    // -> !step.stream<[4, N, 16], tile<16x64xbf16>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input, Optional<Step_AnyStream>:$ref,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$repeat,
                       OptionalAttr<Step_PosI64>:$repeat_rank);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = [{
    $input (`repeat` $repeat^)? (`ref` $ref^ `rank` $repeat_rank)? attr-dict `:`
    qualified(type($input)) (`,` qualified(type($ref))^)?
  }];
}

//===----------------------------------------------------------------------===//
// Dynamic routing and merging
//===----------------------------------------------------------------------===//

def Step_PartitionOp : Step_InferredStreamOp<"partition", [], OnChipCost> {
  let summary = "Partition: routes chunks to the outputs a selector picks";
  let description = [{
    `input` has shape `[D_a..D_r, D_{r-1}..D_0]` and `sel` the outer part
    `[D_a..D_r]` of it, with `!step.selector<N>` elements. Each selector
    routes the next chunk (the inner `rank` dimensions) to every output whose
    bit is set. Output i has shape `[B_i, D_{r-1}..D_0]`, where `B_i` is a
    fresh dynamic symbol named by `names[i]`. What is known about them is
    recorded for the cost report: their sum is the number of selected chunks,
    `k * |sel|` for a `hot = k` selector. Two partitions driven by the same
    routing may use the same names, which asserts that their counts agree.

    ```mlir
    %e:2 = step.partition %x by %sel rank 0 names ["B0", "B1"]
             : !step.stream<[1, 64], tile<1x4096xbf16>>, !step.stream<[1, 64], selector<2, hot = 1>>
    // -> !step.stream<[B0], tile<1x4096xbf16>>, !step.stream<[B1], tile<1x4096xbf16>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input, Step_AnyStream:$sel,
                       Step_NonNegI64:$rank, StrArrayAttr:$names);
  let results = (outs Variadic<Step_AnyStream>:$outputs);
  let assemblyFormat = [{
    $input `by` $sel `rank` $rank `names` $names attr-dict `:` qualified(type($input)) `,` qualified(type($sel))
  }];
}

def Step_ReassembleOp : Step_InferredStreamOp<"reassemble", [], OnChipCost> {
  let summary = "Reassemble: gathers chunks from the inputs a selector picks";
  let description = [{
    For each selector of `sel` (shape `[S_b..S_0]`, `!step.selector<N>` with N
    the number of inputs), takes the next chunk (the inner `rank` dimensions)
    from every selected input, in order of arrival and without interleaving,
    and closes a new dimension. Inputs have shape `[D^i, D_{r-1}..D_0]` with
    equal inner dimensions. The result is `sel.shape ++ [K] ++ [D_{r-1}..D_0]`
    where K is k for a `hot = k` selector, and otherwise the ragged symbol
    named by `name` (required then).

    ```mlir
    %y = step.reassemble %e#0, %e#1 by %sel rank 0
           : !step.stream<[B0], tile<1x4096xf32>>, !step.stream<[B1], tile<1x4096xf32>>,
             !step.stream<[1, 64], selector<2, hot = 1>>
    // -> !step.stream<[1, 64, 1], tile<1x4096xf32>>
    ```
  }];
  let arguments = (ins Variadic<Step_AnyStream>:$inputs, Step_AnyStream:$sel,
                       Step_NonNegI64:$rank, OptionalAttr<StrAttr>:$name);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = [{
    $inputs `by` $sel `rank` $rank (`name` $name^)? attr-dict `:` `(` qualified(type($inputs)) `)` `,` qualified(type($sel))
  }];
}

def Step_EagerMergeOp : Step_InferredStreamOp<"eager_merge", [], OnChipCost> {
  let summary = "EagerMerge: forwards whole chunks from whichever input is ready";
  let description = [{
    Inputs have shape `[D^i, D_{r-1}..D_0]` with equal inner dimensions. The
    merge forwards each input's chunks (inner `rank` dimensions) as soon as
    they are available, earliest first, never interleaving two chunks. The
    data result has shape `[sum_i D^i, D_{r-1}..D_0]`; the second result
    says, per chunk, which input it came from (`!step.selector<N, hot = 1>`,
    shape `[sum_i D^i]`). It is the basis of time-multiplexing and dynamic
    parallelization. Inputs carrying dynamically shaped tiles that differ
    only in their row counts (experts' packed tokens `tile<[B_i, C]>`) merge
    into tiles of `max_i` rows, the buffer a consumer of the merge needs.

    ```mlir
    %m, %s = step.eager_merge %a, %b rank 0 : !step.stream<[B0], tile<16x4096xf32>>,
               !step.stream<[B1], tile<16x4096xf32>>
    // -> !step.stream<[B0 + B1], tile<16x4096xf32>>, !step.stream<[B0 + B1], selector<2, hot = 1>>
    ```
  }];
  let arguments = (ins Variadic<Step_AnyStream>:$inputs, Step_NonNegI64:$rank);
  let results = (outs Step_AnyStream:$data, Step_AnyStream:$selector);
  let assemblyFormat = "$inputs `rank` $rank attr-dict `:` qualified(type($inputs))";
}

def Step_BroadcastOp : Step_InferredStreamOp<"broadcast"> {
  let summary = "Broadcast: explicit fan-out of a stream to several consumers";
  let description = [{
    Streams are single-consumer FIFOs, so a value used more than once goes
    through a broadcast with one result per consumer (see
    `--step-insert-broadcast`). Every result has the type of the input.

    ```mlir
    %a:2 = step.broadcast %x count 2 : !step.stream<[C0], tile<16x4096xf32>>
    ```

    `depths` (optional, one entry per result) sets the FIFO depth of each
    result's channel in elements; 0 keeps the default (the module's
    `step.channel_depth`, else the architecture's). STeP sets per-channel
    depths this way in its attention graphs (16 for the metadata
    broadcasts, 4 before the KV-cache write-back).

    ```mlir
    %m:3 = step.broadcast %len count 3 {depths = array<i64: 16, 16, 16>}
             : !step.stream<[64], tile<1x1xi64>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input, ConfinedAttr<I64Attr, [IntMinValue<2>]>:$count,
                       OptionalAttr<DenseI64ArrayAttr>:$depths);
  let hasVerifier = 1;
  let results = (outs Variadic<Step_AnyStream>:$outputs);
  let assemblyFormat = "$input `count` $count attr-dict `:` qualified(type($input))";
}

def Step_ParallelizeOp : Step_InferredStreamOp<"parallelize", [], OnChipCost> {
  let summary = "Parallelize: static round-robin distribution of chunks";
  let description = [{
    `input` has shape `[D, D_{r-1}..D_0]`; its D chunks (inner `rank`
    dimensions) are dealt round-robin to `count` outputs. Output i has
    `(D + count - 1 - i) floordiv count` chunks. This is STeP's static
    interleaved parallelization.

    ```mlir
    %p:4 = step.parallelize %q rank 1 count 4 : !step.stream<[64, 8], tile<1x64xbf16>>
    // -> !step.stream<[16, 8], tile<1x64xbf16>> (x4)
    ```
  }];
  let arguments = (ins Step_AnyStream:$input, Step_NonNegI64:$rank,
                       ConfinedAttr<I64Attr, [IntMinValue<2>]>:$count);
  let results = (outs Variadic<Step_AnyStream>:$outputs);
  let assemblyFormat = "$input `rank` $rank `count` $count attr-dict `:` qualified(type($input))";
}

//===----------------------------------------------------------------------===//
// Runtime-input sources
//===----------------------------------------------------------------------===//

def Step_SelectGenOp : Step_StreamOp<"select_gen"> {
  let summary = "a selector stream read from a named runtime input (a routing trace)";
  let description = [{
    Produces the selector stream bound at run time to the input named `input`
    (for example a routing trace with the top-k experts of each token). The
    result type states the shape: `[.., T]` of `selector<E, hot = k>` gives
    one k-hot selector per token; `[.., T, k]` of `selector<E, hot = 1>`
    gives one one-hot selector per (token, choice).

    ```mlir
    %sel = step.select_gen "routing" : !step.stream<[1, 64], selector<8, hot = 2>>
    ```

    With `targets` the selectors are given inline instead (the runtime
    input is not read; `input` only names the stream): a stream `[n]` (no
    stop tokens) or `[1, n]` of one-hot selectors, element i picking
    `targets[i]`. The dynamic
    parallelization's fixed control streams (the initial round robin, which
    completions to keep) are written this way.

    ```mlir
    %rr = step.select_gen "round_robin" {targets = array<i64: 0, 1, 2, 3>}
            : !step.stream<[4], selector<4, hot = 1>>
    ```
  }];
  let arguments = (ins StrAttr:$input, OptionalAttr<DenseI64ArrayAttr>:$targets);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
  let hasVerifier = 1;
}

def Step_MetadataGenOp : Step_StreamOp<"metadata_gen"> {
  let summary = "a metadata stream read from a named runtime input";
  let description = [{
    Produces the integer stream bound at run time to the input named `input`
    (for example the KV-cache length of each request). Elements are integer
    scalars or 1x1 integer tiles.

    ```mlir
    %len = step.metadata_gen "kv_len" : !step.stream<[1, 64], tile<1x1xi64>>
    ```

    `derive` (optional) computes the stream from the bound integers x_i
    instead of emitting them, so that one binding (the KV lengths) drives
    the three metadata streams of STeP's attention graph:
    `"index"` gives i (STeP's idx = arange(B)); `"tiles<N>"` gives
    ceil((x_i + 1) / N), the tiles of N rows holding the cache and the new
    token (seq_len); `"offset<N>"` gives x_i mod N, the new token's row in
    its last tile (offset).

    ```mlir
    %n = step.metadata_gen "kv" {derive = "tiles32"} : !step.stream<[64], tile<1x1xi64>>
    ```

    `slice = array<i64: start, count, ...>` (optional, (start, count)
    pairs) emits only the elements start .. start+count-1 of each pair, in
    order, of the bound input (`index` still gives their position in the
    whole input); the result has as many elements as the total count. A region of
    STeP's static coarse parallelization reads its own slices of the
    requests.

    ```mlir
    %i = step.metadata_gen "kv" {derive = "index", slice = array<i64: 16, 16>}
           : !step.stream<[16], tile<1x1xi64>>
    ```
  }];
  let arguments = (ins StrAttr:$input, OptionalAttr<StrAttr>:$derive,
                       OptionalAttr<DenseI64ArrayAttr>:$slice);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($result))";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Time-multiplexing macro operators
//===----------------------------------------------------------------------===//

def Step_ExpertAddrGenOp : Step_InferredStreamOp<"expert_addr_gen", [], BothCosts> {
  let summary = "ExpertAddrGen: weight-tile addresses of the expert a selector picks";
  let description = [{
    For every one-hot selector of `sel` (over the local experts of a
    time-multiplexed region, as `eager_merge` writes them) emits the `tiles`
    tile indices `base + e * tiles + i`, i = 0..tiles-1, of expert `e`'s
    weight tiles, as `1x1` i64 tiles ready for `random_load`. A region's
    weight tensor is its experts' weights concatenated along dim 0, so
    expert e's tiles are the e-th block of `tiles` consecutive tiles.

    Shape rule: `[.., N]` -> `[.., N, tiles]`; every selector becomes a
    chunk of `tiles` addresses closed by a new innermost stop (the last
    address of a chunk carries the selector's stop level + 1).

    A coarse-grained macro op, as in STeP's artifact (`ExpertAddrGen`): it is
    decomposable into a FlatMap whose body is a counter over `tiles` (the
    index i) followed by a Map computing `base + e * tiles + i` from the
    selector's index e. It reads and buffers nothing (no off-chip traffic,
    no on-chip memory).

    ```mlir
    %a = step.expert_addr_gen %sel tiles 16
           : !step.stream<[C0 + C1 + C2 + C3], selector<4, hot = 1>>
    // -> !step.stream<[C0 + C1 + C2 + C3, 16], tile<1x1xi64>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$sel, Step_PosI64:$tiles,
                       OptionalAttr<Step_NonNegI64>:$base);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = [{
    $sel `tiles` $tiles (`base` $base^)? attr-dict `:` qualified(type($sel))
  }];
}

//===----------------------------------------------------------------------===//
// Higher-order operators
//===----------------------------------------------------------------------===//

def Step_YieldOp : Step_Op<"yield", [Pure, Terminator, ReturnLike,
    ParentOneOf<["MapOp", "AccumOp", "ScanOp", "FlatMapOp"]>]> {
  let summary = "ends a region of tile computation";
  let description = [{
    Returns the value(s) computed by the region of a higher-order operator:
    the output element of `map`/`scan`, the accumulator of `accum` (both
    regions), the sub-stream of `flatmap`.
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "$values attr-dict `:` qualified(type($values))";
}

def Step_MapOp : Step_InferredStreamOp<"map", [RecursiveMemoryEffects], OnChipCost> {
  let summary = "Map: applies a tile function to every element";
  let description = [{
    The inputs (one or more streams of the same shape, zipped implicitly)
    feed the region's block arguments element by element; the yielded value
    becomes the output element. The result has the inputs' shape and the
    yielded element type. `compute_bw` (FLOPs/cycle) is the compute bandwidth
    allocated to the operator, used by the simulator; `write_back_mu` says the
    result is written to a memory unit (its store cycles count, and its
    consumers pay memory-unit load cycles), as STeP's `write_back_mu`.

    ```mlir
    %h = step.map %x, %w : !step.stream<[C0, 224], tile<16x4096xf32>>,
                           !step.stream<[C0, 224], tile<4096x64xbf16>> {
    ^bb0(%a: !step.tile<16x4096xf32>, %b: !step.tile<4096x64xbf16>):
      %p = step.matmul %a, %b : !step.tile<16x4096xf32>, !step.tile<4096x64xbf16>
      step.yield %p : !step.tile<16x64xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<Step_AnyStream>:$inputs, OptionalAttr<Step_PosI64>:$compute_bw,
                       UnitAttr:$write_back_mu);
  let results = (outs Step_AnyStream:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$inputs attr-dict `:` qualified(type($inputs)) $body";
}

def Step_AccumOp : Step_InferredStreamOp<"accum", [], OnChipCost> {
  let summary = "Accum: reduces the inner dimensions with an update function";
  let description = [{
    Input shape `[D_a..D_b, D_{b-1}..D_0]` with b = `rank` >= 1. For each
    group of the inner b dimensions, the accumulator is set by the `init`
    region (no arguments) and updated by the `update` region (accumulator,
    then one argument per input) for every element; at the end of the group
    it is emitted. The result has shape `[D_a..D_b]` and the accumulator's
    type, which may be larger than the input tile and dynamically shaped
    (`retile_rows` packing a runtime number of rows into one tile).
    `compute_bw` and `write_back_mu` are as for `map`; the result is written
    back at the end of each group.

    ```mlir
    %t = step.accum %x rank 1 : !step.stream<[C0, 16], tile<1x4096xbf16>>
      init { %z = step.zeros : !step.tile<16x4096xf32>
             step.yield %z : !step.tile<16x4096xf32> }
      update { ^bb0(%acc: !step.tile<16x4096xf32>, %row: !step.tile<1x4096xbf16>):
        %n = step.retile_rows %acc, %row : !step.tile<16x4096xf32>, !step.tile<1x4096xbf16>
        step.yield %n : !step.tile<16x4096xf32> }
    // -> !step.stream<[C0], tile<16x4096xf32>>
    ```
  }];
  let arguments = (ins Variadic<Step_AnyStream>:$inputs, Step_PosI64:$rank,
                       OptionalAttr<Step_PosI64>:$compute_bw,
                       UnitAttr:$write_back_mu);
  let results = (outs Step_AnyStream:$result);
  let regions = (region SizedRegion<1>:$init, SizedRegion<1>:$update);
  let assemblyFormat = [{
    $inputs `rank` $rank attr-dict `:` qualified(type($inputs)) `init` $init `update` $update
  }];
}

def Step_ScanOp : Step_InferredStreamOp<"scan", [], OnChipCost> {
  let summary = "Scan: like accum, but emits the accumulator after every element";
  let description = [{
    Same regions as `accum`; the accumulator is re-initialized at the end of
    each group of the inner `rank` dimensions and emitted after every update,
    so the result has the input's shape and the accumulator's element type.

    ```mlir
    %s = step.scan %x rank 1 : !step.stream<[4, 8], tile<1x64xf32>>
      init { %z = step.zeros : !step.tile<1x64xf32>
             step.yield %z : !step.tile<1x64xf32> }
      update { ^bb0(%acc: !step.tile<1x64xf32>, %v: !step.tile<1x64xf32>):
        %n = step.add %acc, %v : !step.tile<1x64xf32>, !step.tile<1x64xf32>
        step.yield %n : !step.tile<1x64xf32> }
    ```
  }];
  let arguments = (ins Variadic<Step_AnyStream>:$inputs, Step_PosI64:$rank,
                       OptionalAttr<Step_PosI64>:$compute_bw,
                       UnitAttr:$write_back_mu);
  let results = (outs Step_AnyStream:$result);
  let regions = (region SizedRegion<1>:$init, SizedRegion<1>:$update);
  let assemblyFormat = [{
    $inputs `rank` $rank attr-dict `:` qualified(type($inputs)) `init` $init `update` $update
  }];
}

def Step_FlatMapOp : Step_InferredStreamOp<"flatmap", [RecursiveMemoryEffects]> {
  let summary = "FlatMap: expands every element into a sub-stream";
  let description = [{
    The region maps each element (one block argument per input) to a
    sub-stream of shape `[E_b..E_0]` (yielded, e.g. by `split_rows`). The
    sub-streams are concatenated: input `[D_a..D_1, D_0]` gives
    `[D_a..D_1, D_0 * E_b, E_{b-1}..D'_0]`. When the sub-stream's length is
    data-dependent (`split_rows` with `drop_padding`), `dim` states the
    resulting dimension (for example the token count a partition minted).

    ```mlir
    %rows = step.flatmap %t : !step.stream<[C0], tile<16x4096xf32>> {
    ^bb0(%x: !step.tile<16x4096xf32>):
      %r = step.split_rows %x : !step.tile<16x4096xf32>
      step.yield %r : !step.stream<[16], tile<1x4096xf32>>
    }
    // -> !step.stream<[16 * C0], tile<1x4096xf32>>
    ```
  }];
  let arguments = (ins Variadic<Step_AnyStream>:$inputs, OptionalAttr<StrAttr>:$dim);
  let results = (outs Step_AnyStream:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$inputs (`dim` $dim^)? attr-dict `:` qualified(type($inputs)) $body";
}

//===----------------------------------------------------------------------===//
// Shape operators
//===----------------------------------------------------------------------===//

def Step_FlattenOp : Step_InferredStreamOp<"flatten", [], OnChipCost> {
  let summary = "Flatten: merges a contiguous range of dimensions";
  let description = [{
    Merges the dimensions of ranks `min`..`max` (counted from the innermost,
    min < max) into one whose size is their product; only stop tokens change.
    A ragged dimension in the range absorbs the dimensions outside it (its
    value is already their total) and the result is a fresh ragged dimension.

    ```mlir
    %f = step.flatten %w ranks 0 to 1 : !step.stream<[C0, 1, 224], tile<4096x64xbf16>>
    // -> !step.stream<[C0, 224], tile<4096x64xbf16>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input, Step_NonNegI64:$min, Step_NonNegI64:$max);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "$input `ranks` $min `to` $max attr-dict `:` qualified(type($input))";
}

def Step_ReshapeOp : Step_InferredStreamOp<"reshape", [], OnChipCost> {
  let summary = "Reshape: splits a dimension into static chunks";
  let description = [{
    Splits the dimension of rank `rank` into chunks of `chunk`:
    `[.., D_r, ..]` becomes `[.., D_r ceildiv chunk, chunk, ..]`. Splitting
    the innermost dimension (rank 0) pads the last chunk with `pad`
    (default 0.0); the second result flags padded elements (`i1`, same
    shape). The flags may be left unconnected (the simulator discards them):
    tiles also carry their count of valid rows, which is what
    `split_rows drop_padding` reads. Splitting any other dimension needs a static size divisible by
    `chunk`.

    ```mlir
    %c, %pad = step.reshape %e rank 0 chunk 16 : !step.stream<[B0], tile<1x4096xbf16>>
    // -> !step.stream<[(B0 + 15) floordiv 16, 16], tile<1x4096xbf16>>,
    //    !step.stream<[(B0 + 15) floordiv 16, 16], i1>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input, Step_NonNegI64:$rank, Step_PosI64:$chunk,
                       DefaultValuedAttr<F64Attr, "0.0">:$pad);
  let results = (outs Step_AnyStream:$result, Step_AnyStream:$padding);
  let assemblyFormat = "$input `rank` $rank `chunk` $chunk attr-dict `:` qualified(type($input))";
}

def Step_PromoteOp : Step_InferredStreamOp<"promote", [], OnChipCost> {
  let summary = "Promote: adds a new outer dimension";
  let description = [{
    Without `rank`, adds a new outermost dimension of size 1 if the stream is
    non-empty and 0 otherwise (`D ceildiv max(D, 1)` for a dynamic outermost
    dimension D). With `rank` r, inserts a dimension of size 1 just outside
    the dimension of rank r-1. Replacing the first reshape of an expert by a
    promote is STeP's dynamic tiling.

    ```mlir
    %p = step.promote %e : !step.stream<[B0], tile<1x4096xbf16>>
    // -> !step.stream<[B0 ceildiv max(B0, 1), B0], tile<1x4096xbf16>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input, OptionalAttr<Step_PosI64>:$rank);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "$input (`rank` $rank^)? attr-dict `:` qualified(type($input))";
}

def Step_ExpandOp : Step_InferredStreamOp<"expand", [], OnChipCost> {
  let summary = "Expand: repeats elements along size-1 dimensions following a reference";
  let description = [{
    `input` has shape `[D_a..D_r, 1, .., 1]` (its inner `rank` dimensions are
    1) and `ref` has shape `[D_a..D_r, E_{r-1}..E_0]`; every element of the
    input is repeated to fill the reference's inner dimensions. The result
    has the reference's shape and the input's elements.

    ```mlir
    %e = step.expand %q to %k rank 1 : !step.stream<[B, 1], tile<8x64xbf16>>,
           !step.stream<[B, N], tile<32x64xbf16>>
    // -> !step.stream<[B, N], tile<8x64xbf16>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input, Step_AnyStream:$ref, Step_PosI64:$rank);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "$input `to` $ref `rank` $rank attr-dict `:` qualified(type($input)) `,` qualified(type($ref))";
}

def Step_RepeatOp : Step_InferredStreamOp<"repeat", [], OnChipCost> {
  let summary = "static Expand: repeats every element a fixed number of times";
  let description = [{
    Appends a new innermost dimension of size `count`: each element is
    emitted `count` times. Sugar for `expand` with a static reference.

    ```mlir
    %r = step.repeat %t count 224 : !step.stream<[C0], tile<16x4096xf32>>
    // -> !step.stream<[C0, 224], tile<16x4096xf32>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input, Step_PosI64:$count);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "$input `count` $count attr-dict `:` qualified(type($input))";
}

def Step_ZipOp : Step_InferredStreamOp<"zip"> {
  let summary = "Zip: pairs the elements of same-shaped streams into tuples";
  let description = [{
    ```mlir
    %z = step.zip %a, %b : !step.stream<[C0], tile<16x64xf32>>, !step.stream<[C0], tile<64x4096xbf16>>
    // -> !step.stream<[C0], tuple<tile<16x64xf32>, tile<64x4096xbf16>>>
    ```
  }];
  let arguments = (ins Variadic<Step_AnyStream>:$inputs);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "$inputs attr-dict `:` qualified(type($inputs))";
}

//===----------------------------------------------------------------------===//
// Tile operations (inside higher-order regions)
//===----------------------------------------------------------------------===//

class Step_TileOp<string mnemonic, list<Trait> traits = []>
    : Step_Op<mnemonic, !listconcat(traits, [Pure,
        DeclareOpInterfaceMethods<Step_TileOpInterface>,
        InferTypeOpAdaptor])>;

def Step_MatmulOp : Step_TileOp<"matmul"> {
  let summary = "tile matrix product, optionally with a transposed weight";
  let description = [{
    `[M, K] x [K, N] -> [M, N]`, or `[M, K] x [N, K]^T` with `transpose_b`.
    The result's element type is the wider of the two. FLOPs: 2*M*K*N.

    ```mlir
    %p = step.matmul %a, %w : !step.tile<16x4096xf32>, !step.tile<4096x64xbf16>
    ```
  }];
  let arguments = (ins Step_AnyTile:$lhs, Step_AnyTile:$rhs, UnitAttr:$transpose_b);
  let results = (outs Step_AnyTile:$result);
  let assemblyFormat = "$lhs `,` $rhs (`transpose_b` $transpose_b^)? attr-dict `:` qualified(type($lhs)) `,` qualified(type($rhs))";
}

class Step_BinaryTileOp<string mnemonic, string what> : Step_TileOp<mnemonic> {
  let summary = "element-wise " # what # " of two tiles";
  let description = [{
    Element-wise on tiles of equal shape; a dimension of size 1 on either
    side broadcasts (a row-sum column divides a tile row by row). The result
    has the broadcast shape and the wider element type. FLOPs: one per
    output element.
  }];
  let arguments = (ins Step_AnyTile:$lhs, Step_AnyTile:$rhs);
  let results = (outs Step_AnyTile:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` qualified(type($lhs)) `,` qualified(type($rhs))";
}
def Step_AddOp : Step_BinaryTileOp<"add", "sum">;
def Step_SubOp : Step_BinaryTileOp<"sub", "difference">;
def Step_MulOp : Step_BinaryTileOp<"mul", "product">;
def Step_DivOp : Step_BinaryTileOp<"div", "quotient">;
def Step_MaxOp : Step_BinaryTileOp<"max", "maximum">;

class Step_UnaryTileOp<string mnemonic, string what, string flops> : Step_TileOp<mnemonic> {
  let summary = what # " of every element of a tile";
  let description = "Same shape and type as the input. FLOPs: " # flops # " per element.";
  let arguments = (ins Step_AnyTile:$input);
  let results = (outs Step_AnyTile:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input))";
}
def Step_ExpOp : Step_UnaryTileOp<"exp", "exponential", "4">;
def Step_SiluOp : Step_UnaryTileOp<"silu", "SiLU (x * sigmoid(x))", "8">;
def Step_LogOp : Step_UnaryTileOp<"log", "natural logarithm", "4">;
def Step_NegOp : Step_UnaryTileOp<"neg", "negation", "1">;

class Step_RowReduceOp<string mnemonic, string what> : Step_TileOp<mnemonic> {
  let summary = "row-wise " # what # " of a tile";
  let description = "`[M, N] -> [M, 1]`. FLOPs: one per input element.";
  let arguments = (ins Step_AnyTile:$input);
  let results = (outs Step_AnyTile:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input))";
}
def Step_RowSumOp : Step_RowReduceOp<"row_sum", "sum">;
def Step_RowMaxOp : Step_RowReduceOp<"row_max", "maximum">;

def Step_RetileRowsOp : Step_TileOp<"retile_rows"> {
  let summary = "packs the rows of a tile into a taller accumulator tile";
  let description = [{
    Appends the rows of `rows` below those already packed in `acc` and
    returns the accumulator (same type as `acc`; the columns must match). Used
    in `accum` to build `[16, C]` or dynamically shaped `[B, C]` tiles out of
    `[1, C]` rows. Free (0 FLOPs).

    ```mlir
    %n = step.retile_rows %acc, %row : !step.tile<[B0, 4096], f32>, !step.tile<1x4096xbf16>
    ```
  }];
  let arguments = (ins Step_AnyTile:$acc, Step_AnyTile:$rows);
  let results = (outs Step_AnyTile:$result);
  let assemblyFormat = "$acc `,` $rows attr-dict `:` qualified(type($acc)) `,` qualified(type($rows))";
  let hasVerifier = 1;
}

def Step_SplitRowsOp : Step_Op<"split_rows", [Pure,
    DeclareOpInterfaceMethods<Step_TileOpInterface>, InferTypeOpAdaptor]> {
  let summary = "splits a tile into a sub-stream of its rows (inside flatmap)";
  let description = [{
    `[M, N] -> !step.stream<[M], tile<1xN>>`. With `drop_padding`, rows that a
    reshape padded are dropped, so the number of rows emitted is at most M and
    data-dependent: the enclosing `flatmap` must then state its resulting
    dimension with `dim`. Free (0 FLOPs).
  }];
  let arguments = (ins Step_AnyTile:$input, UnitAttr:$drop_padding);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "$input (`drop_padding` $drop_padding^)? attr-dict `:` qualified(type($input))";
  let hasVerifier = 1;
}

def Step_ZerosOp : Step_Op<"zeros", [Pure,
    DeclareOpInterfaceMethods<Step_TileOpInterface>]> {
  let summary = "a tile of zeros (accumulator initializer)";
  let description = [{
    A tile of the result type filled with zeros; with a symbolic row count it
    starts empty and grows as rows are packed in. Free.

    ```mlir
    %z = step.zeros : !step.tile<16x4096xf32>
    ```
  }];
  let results = (outs Step_AnyTile:$result);
  let assemblyFormat = "attr-dict `:` qualified(type($result))";
}

def Step_ConstOp : Step_Op<"const", [Pure,
    DeclareOpInterfaceMethods<Step_TileOpInterface>]> {
  let summary = "a tile filled with one constant (a scalar of an expression)";
  let description = [{
    A tile of the result type with every element `value`: the scalar
    constants of a lowered linalg body (`arith.constant`), e.g. the 0 of a
    ReLU written `max(x, 0)` or a softmax scale. Free.

    ```mlir
    %c = step.const 0.125 : !step.tile<1x1xf32>
    ```
  }];
  let arguments = (ins F64Attr:$value);
  let results = (outs Step_AnyTile:$result);
  let assemblyFormat = "$value attr-dict `:` qualified(type($result))";
}

include "dialects/Step/StepAttentionOps.td"
include "dialects/Step/StepSparseOps.td"

#endif // STEP_OPS_TD
