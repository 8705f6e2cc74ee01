//===- StepAttentionOps.td - attention decode and feedback -*- tablegen -*-===//
//
// Operators of STeP's attention-decode graph and its dynamic
// parallelization (reference/step.md §8.3): KV-cache address generation,
// last-tile selection, feedback edges for the cycle of dynamic
// parallelization, a shape assumption, a sink, and the small tile functions
// of the graph. Included at the end of StepOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_ATTENTION_OPS_TD
#define STEP_ATTENTION_OPS_TD

//===----------------------------------------------------------------------===//
// Macro stream operators of the attention graph
//===----------------------------------------------------------------------===//

def Step_CacheReadAddrGenOp
    : Step_InferredStreamOp<"cache_read_addr_gen"> {
  let summary = "KV-cache read addresses: seq_len tile indices per request";
  let description = [{
    STeP's CacheReadAddrGen. `idx` and `seq_len` have the same shape `[R]`
    and carry integers (scalars or 1x1 integer tiles): for each pair it
    emits `seq_len` tile indices `idx * row_offset + i`, i = 0..seq_len-1,
    as 1x1 i64 tiles, at most one per cycle. The result `[R, N]` has a
    ragged inner dimension named `name`: the request's number of cache
    tiles. The last address of a request closes the inner dimension.

    It is a macro: `flatmap` over the zipped pair with a counter sub-stream
    (`seq_len` elements 0..seq_len-1) followed by a `map` computing
    `idx * row_offset + i`, as STeP notes; a dedicated operator keeps the
    simulator's per-element rule (one address per cycle) exact.

    ```mlir
    %a = step.cache_read_addr_gen %idx, %len row_offset 202 name "N"
           : !step.stream<[64], tile<1x1xi64>>, !step.stream<[64], tile<1x1xi64>>
    // -> !step.stream<[64, ragged<N>], tile<1x1xi64>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$idx, Step_AnyStream:$seq_len,
                       Step_NonNegI64:$row_offset, StrAttr:$name);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = [{
    $idx `,` $seq_len `row_offset` $row_offset `name` $name attr-dict `:` qualified(type($idx)) `,` qualified(type($seq_len))
  }];
}

def Step_FilterLastTileOp
    : Step_InferredStreamOp<"filter_last_tile"> {
  let summary = "selectors that split off the last tile of every request";
  let description = [{
    STeP's FilterLastTile. For each element n of `seq_len` (shape `[R]`,
    integers) it emits n selectors of `!step.selector<2, hot = 1>`: n-1
    picking output 1, then one picking output 0, which closes the inner
    dimension. Driving a `partition` of a request's cache tiles with it
    separates the last tile (output 0), where the new token's row goes,
    from the others (output 1); driving a `reassemble` puts them back in
    order. The result `[R, N]` has the ragged inner dimension `name`, the
    same as `cache_read_addr_gen` with that name gives.

    A macro like `cache_read_addr_gen`: `flatmap` with a counter then a
    `map` comparing the counter with n-1.

    ```mlir
    %s = step.filter_last_tile %len name "N" : !step.stream<[64], tile<1x1xi64>>
    // -> !step.stream<[64, ragged<N>], selector<2, hot = 1>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$seq_len, StrAttr:$name);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "$seq_len `name` $name attr-dict `:` qualified(type($seq_len))";
}

//===----------------------------------------------------------------------===//
// Graph plumbing: feedback edges, shape assumptions, sinks
//===----------------------------------------------------------------------===//

def Step_FeedbackOp : Step_Op<"feedback"> {
  let summary = "a stream defined later in the function (a feedback edge)";
  let description = [{
    Function bodies are SSA, but dynamic parallelization has a cycle: the
    regions' completion signals choose, through an eager merge, which
    region the next request goes to. `step.feedback` names a stream of the
    given type whose producer appears later; exactly one
    `step.feedback_connect` must supply it (`--step-verify-graph` checks
    this). The simulator graph aliases the two into one channel, so neither
    op is an operator.

    ```mlir
    %fb = step.feedback : !step.stream<[R0], tile<1x1xi64>>
    %m, %s = step.eager_merge %fb, ... rank 0 : ...
    ...
    %done = step.accum ... : ... -> !step.stream<[R0], tile<1x1xi64>>
    step.feedback_connect %done to %fb : !step.stream<[R0], tile<1x1xi64>>
    ```
  }];
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "attr-dict `:` qualified(type($result))";
}

def Step_FeedbackConnectOp : Step_Op<"feedback_connect",
    [AllTypesMatch<["value", "feedback"]>]> {
  let summary = "supplies the stream of a step.feedback";
  let description = [{
    Makes `value` the stream that `feedback` (the result of a
    `step.feedback`) stands for. The types must be equal.

    ```mlir
    step.feedback_connect %done to %fb : !step.stream<[R0], tile<1x1xi64>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$value, Step_AnyStream:$feedback);
  let assemblyFormat = "$value `to` $feedback attr-dict `:` qualified(type($value))";
  let hasVerifier = 1;
}

def Step_AssumeShapeOp : Step_Op<"assume_shape"> {
  let summary = "asserts that a stream has another, equal shape";
  let description = [{
    The result is the input stream with its shape stated differently: the
    caller asserts the two are equal at run time, which the shape rules
    cannot derive. The attention graph needs it after a `partition` driven
    by `filter_last_tile`: output 0 receives exactly one tile per request,
    `[R]`, but a partition output always has a fresh symbol. Element types
    and ranks must agree. The simulator graph aliases result and input (no
    operator, no cycles).

    ```mlir
    %l = step.assume_shape %p#0 : !step.stream<[L], tile<32x64xbf16>>
           to !step.stream<[64], tile<32x64xbf16>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `to` qualified(type($result))";
  let hasVerifier = 1;
}

def Step_SinkOp : Step_StreamOp<"sink"> {
  let summary = "consumes and discards a stream";
  let description = [{
    STeP's ConsumerContext: takes every element of `input` (one per cycle)
    and drops it. Used for store acknowledgements, an eager merge's data
    when only its selector matters, and routed elements a graph discards.

    ```mlir
    step.sink %ack : !step.stream<[64], i1>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input))";
}

//===----------------------------------------------------------------------===//
// Small tile functions of the attention graph (1 cycle each, any compute_bw)
//===----------------------------------------------------------------------===//

class Step_FixedCycleTileOp<string mnemonic> : Step_TileOp<mnemonic> {
  let extraClassDeclaration = [{
    /// Cycles of one application, whatever the compute bandwidth (STeP's
    /// map functions of the attention graph cost one cycle each).
    static constexpr int64_t kFixedCycles = 1;
  }];
}

def Step_SetOffsetOp : Step_FixedCycleTileOp<"set_offset"> {
  let summary = "records in a tile the row where the next row is appended";
  let description = [{
    `set_offset %tile, %off`: the tile with its row offset set to the
    integer `off` (a 1x1 integer tile or scalar). Same type as `tile`.
    0 FLOPs; the simulator charges 1 cycle whatever the compute bandwidth.

    ```mlir
    %t = step.set_offset %last, %off : !step.tile<32x64xbf16>, !step.tile<1x1xi64>
    ```
  }];
  let arguments = (ins Step_AnyTile:$tile, AnyType:$offset);
  let results = (outs Step_AnyTile:$result);
  let assemblyFormat = "$tile `,` $offset attr-dict `:` qualified(type($tile)) `,` qualified(type($offset))";
  let hasVerifier = 1;
}

def Step_RowAppendOp : Step_FixedCycleTileOp<"row_append"> {
  let summary = "writes a row into a tile at its offset (RowWiseAppend)";
  let description = [{
    `row_append %tile, %row`: `row` (`[1, C]`) written at the tile's row
    offset (set by `set_offset`), which then advances. Same type as `tile`;
    the columns must agree. 0 FLOPs, 1 cycle.

    ```mlir
    %t = step.row_append %s, %k : !step.tile<32x64xbf16>, !step.tile<1x64xbf16>
    ```
  }];
  let arguments = (ins Step_AnyTile:$tile, Step_AnyTile:$row);
  let results = (outs Step_AnyTile:$result);
  let assemblyFormat = "$tile `,` $row attr-dict `:` qualified(type($tile)) `,` qualified(type($row))";
  let hasVerifier = 1;
}

def Step_CacheWriteAddrOp : Step_FixedCycleTileOp<"cache_write_addr"> {
  let summary = "KV-cache write-back address idx * row_offset + len";
  let description = [{
    Two integers (1x1 integer tiles or scalars) in, one 1x1 i64 tile out:
    `idx * row_offset + len`, the tile index STeP's CacheWriteAddrGen
    computes for a request's write-back (one past its last read tile, as in
    STeP's graph; the timing does not depend on it). 0 FLOPs, 1 cycle.

    ```mlir
    %a = step.cache_write_addr %i, %n row_offset 202 : !step.tile<1x1xi64>, !step.tile<1x1xi64>
    ```
  }];
  let arguments = (ins AnyType:$idx, AnyType:$len, Step_NonNegI64:$row_offset);
  let results = (outs Step_AnyTile:$result);
  let assemblyFormat = "$idx `,` $len `row_offset` $row_offset attr-dict `:` qualified(type($idx)) `,` qualified(type($len))";
}

def Step_SignalReqAllReadOp : Step_FixedCycleTileOp<"signal_req_all_read"> {
  let summary = "accumulator update that counts a request's tiles (SignalReqAllRead)";
  let description = [{
    Inside `accum ... rank 1` over a request's K-cache tiles: returns the
    accumulator (a 1x1 integer tile) unchanged but for a count, so the
    accum emits one 1x1 token per request once all of its tiles were read.
    STeP's SignalReqAllRead, the completion signal of dynamic
    parallelization. 0 FLOPs, 1 cycle (plus the memory-unit read of the
    tile when it sits in one, as for any accum input).

    ```mlir
    %n = step.signal_req_all_read %acc, %k : !step.tile<1x1xi64>, !step.tile<32x64xbf16>
    ```
  }];
  let arguments = (ins Step_AnyTile:$acc, Step_AnyTile:$tile);
  let results = (outs Step_AnyTile:$result);
  let assemblyFormat = "$acc `,` $tile attr-dict `:` qualified(type($acc)) `,` qualified(type($tile))";
  let hasVerifier = 1;
}

#endif // STEP_ATTENTION_OPS_TD
