//===- StepSparseOps.td - sparse (SAM) stream operators -----*- tablegen -*-===//
//
// The primitives of the Sparse Abstract Machine (SAM; FuseFlow's SAMML) as
// step operators over coordinate (`crd`), reference (`ref`) and value
// (`tile<1x1xf32>`) streams. A compressed level is a ragged dimension of
// the stream; SAM's tokens map onto stream tokens as README.md ("Sparse
// streams") says. SAM's ALU is `step.map` over value streams. Included at
// the end of StepOps.td.
//
// Translation: each op becomes a SimGraph operator of the same kind with
// its attributes (step-translate --emit-sim-graph); the simulator's
// components are simulator/components/{FiberRoot, FiberLookup, RepeatSig,
// FiberRepeat, Joiner, Locate, ArrayVal, SparseReduce, Spacc, CrdDrop,
// FiberWrite, ForkJoin}.cpp, with the timing rules in simulator/README.md.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_SPARSE_OPS_TD
#define STEP_SPARSE_OPS_TD

def Step_RootOp : Step_InferredStreamOp<"root"> {
  let summary = "the root reference of a sparse tensor (SAM's generator)";
  let description = [{
    Emits SAM's `[0, D]`: one reference, 0, to the root fiber of a tensor.
    Simulation: one cycle.

    ```mlir
    %r = step.root   // -> !step.stream<[1], ref>
    ```
  }];
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "attr-dict";
}

def Step_FiberLookupOp : Step_InferredStreamOp<"fiber_lookup"> {
  let summary = "level scanner: the coordinates and references of fibers";
  let description = [{
    SAM's level scanner over level `mode` of the sparse tensor bound at run
    time as `tensor` (runtime/README.md). For every input reference r it
    streams the fiber's coordinates and child references, then a stop:

    - `compressed`: crd[seg[r] .. seg[r+1]) and references seg[r] ..
      seg[r+1]-1; the new dimension is `ragged<name>`;
    - `dense`: coordinates 0 .. dim-1 and references r*dim + c; the new
      dimension is `dim`.

    Stops: a fiber ends with S0, or with S(n+1) when the input's next token
    is Sn (absorbed); N in gives N then the stop (an empty fiber).
    Shape rule: `[D.., ] -> [D.., new]` on both results; the input carries
    references.

    ```mlir
    %i, %ri = step.fiber_lookup %root tensor "A" mode 0 "dense" dim 4
                : !step.stream<[1], ref>
    // -> !step.stream<[1, 4], crd>, !step.stream<[1, 4], ref>
    %j, %rj = step.fiber_lookup %ri tensor "A" mode 1 "compressed" name "J"
                : !step.stream<[1, 4], ref>
    // -> !step.stream<[1, 4, ragged<J>], crd>, !step.stream<[1, 4, ragged<J>], ref>
    ```
  }];
  let arguments = (ins Step_AnyStream:$ref, StrAttr:$tensor,
                       Step_NonNegI64:$mode, StrAttr:$format,
                       OptionalAttr<Step_PosI64>:$dim,
                       OptionalAttr<StrAttr>:$name);
  let results = (outs Step_AnyStream:$crd, Step_AnyStream:$refs);
  let assemblyFormat = [{
    $ref `tensor` $tensor `mode` $mode $format (`dim` $dim^)? (`name` $name^)? attr-dict `:` qualified(type($ref))
  }];
}

def Step_RepeatSigOp : Step_InferredStreamOp<"repeat_sig"> {
  let summary = "repeat-signal generator: R per element, S per stop";
  let description = [{
    SAM's RepeatSig: an `i1` stream of the input's shape with an element
    (R) for every element, the same stops (S, levels kept), N for N.

    ```mlir
    %s = step.repeat_sig %i : !step.stream<[1, 4], crd>
    // -> !step.stream<[1, 4], i1>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input))";
}

def Step_FiberRepeatOp : Step_InferredStreamOp<"fiber_repeat"> {
  let summary = "repeater: broadcasts a stream along the fibers of another";
  let description = [{
    SAM's Repeat: every element of `input` is repeated once per element of
    the matching fiber of `signal` (any stream: a `repeat_sig`, or the
    coordinates themselves, as Comal's Repeat takes). The result has the
    signal's shape and stops: a signal stop Sn consumes the current input
    element and, for n >= 1, the input stop S(n-1) after it (SAM's "Sn
    merges into S(n+1)"). A signal N gives N.
    Shape rule: `input [D..]`, `signal [D.., X]` -> `[D.., X]`, carrying
    the input's elements.

    ```mlir
    %x = step.fiber_repeat %xroot, %i : !step.stream<[1], ref>, !step.stream<[1, 4], crd>
    // -> !step.stream<[1, 4], ref>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input, Step_AnyStream:$signal);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "$input `,` $signal attr-dict `:` qualified(type($input)) `,` qualified(type($signal))";
}

class Step_JoinerOp<string mnemonic> : Step_InferredStreamOp<mnemonic,
    [AttrSizedOperandSegments]> {
  let arguments = (ins Variadic<Step_AnyStream>:$crds,
                       Variadic<Step_AnyStream>:$refs, StrAttr:$name);
  let results = (outs Step_AnyStream:$crd, Variadic<Step_AnyStream>:$out_refs);
  let assemblyFormat = [{
    `crds` `(` $crds `)` `refs` `(` $refs `)` `name` $name attr-dict `:` `(` qualified(type($crds)) `)` `,` `(` qualified(type($refs)) `)`
  }];
}

def Step_IntersectOp : Step_JoinerOp<"intersect"> {
  let summary = "intersecter: coordinates present in every input";
  let description = [{
    SAM's Joiner INTERSECT over k >= 2 coordinate streams `crds` and their
    aligned reference (or value) streams `refs`: emits the coordinates all
    inputs hold, each with every input's reference. Input stops must
    agree and are forwarded; an empty result fiber is a bare stop; N
    coordinates are dropped.
    Shape rule: every `crds[i]` is `[D.., X_i]` with the same outer dims
    `D..`, `refs[i]` has the shape of `crds[i]`; the results are
    `[D.., ragged<name>]` (coordinates, then one stream per `refs[i]` with
    its element type).

    ```mlir
    %k, %ra, %rb = step.intersect crds(%ca, %cb) refs(%ra0, %rb0) name "K"
        : (!step.stream<[1, ragged<A1>], crd>, !step.stream<[1, ragged<B1>], crd>),
          (!step.stream<[1, ragged<A1>], ref>, !step.stream<[1, ragged<B1>], ref>)
    // -> !step.stream<[1, ragged<K>], crd>, two !step.stream<[1, ragged<K>], ref>
    ```
  }];
}

def Step_UnionOp : Step_JoinerOp<"union"> {
  let summary = "unioner: coordinates present in any input, N for the missing";
  let description = [{
    SAM's Joiner UNION: like `intersect`, but emits every coordinate held by
    any input; the inputs that lack it get N in their reference result.
    SAM's test: `[0,1,3,5,S0,D]` and `[0,2,3,4,S0,D]` give
    `[0,1,2,3,4,5,S0,D]` with references `[0,1,N,2,N,3,S0,D]` for the first.

    ```mlir
    %j, %ra, %rb = step.union crds(%ca, %cb) refs(%ra0, %rb0) name "U"
        : (!step.stream<[1, ragged<A1>], crd>, !step.stream<[1, ragged<B1>], crd>),
          (!step.stream<[1, ragged<A1>], ref>, !step.stream<[1, ragged<B1>], ref>)
    ```
  }];
}

def Step_LocateOp : Step_InferredStreamOp<"locate"> {
  let summary = "locate: a dense level's references from sparse coordinates";
  let description = [{
    SAM's (iterate-)locate: instead of scanning a dense level of size `dim`
    and intersecting it with a sparse level, the dense references are
    computed from the sparse coordinates: `parent * dim + c`, where
    `parent` carries the dense tensor's reference one level up, one per
    sparse fiber (what the dense scanner would take). The sparse
    coordinates and references pass through.
    Shape rule: `crd [D.., X]`, `ref [D.., X]`, `parent [D..]` -> three
    streams `[D.., X]`: coordinates, the sparse references, the dense ones.

    ```mlir
    %j, %ra, %rx = step.locate %cj, %rj, %xparent dim 4
        : !step.stream<[1, 3, ragged<J>], crd>, !step.stream<[1, 3, ragged<J>], ref>,
          !step.stream<[1, 3], ref>
    ```
  }];
  let arguments = (ins Step_AnyStream:$crd, Step_AnyStream:$ref,
                       Step_AnyStream:$parent, Step_PosI64:$dim);
  let results = (outs Step_AnyStream:$out_crd, Step_AnyStream:$out_ref,
                      Step_AnyStream:$dense_ref);
  let assemblyFormat = [{
    $crd `,` $ref `,` $parent `dim` $dim attr-dict `:` qualified(type($crd)) `,` qualified(type($ref)) `,` qualified(type($parent))
  }];
}

def Step_ArrayValOp : Step_InferredStreamOp<"array_val"> {
  let summary = "value load: vals[ref] of a sparse tensor";
  let description = [{
    SAM's array load: for every reference r, `vals[r]` of the tensor bound
    as `tensor`, as a `tile<1x1xf32>`; stops and N pass through. With
    `block B` the tensor is blocked (its levels index B x B dense blocks,
    its values have shape [n, B, B]: BCSR and the like) and every value is
    a `tile<BxBxf32>`, which `map` regions compute on with the tile ops
    (`matmul` for a block product, elementwise ops) and `reduce`/`spacc`
    sum elementwise. `tile [R, C]` instead gives `tile<RxCxf32>` values of
    R x C elements each (vals of shape [n, R, C], or any [n, a, b] or flat
    [n*R*C] with as many elements per value): the row and column vectors of
    a blocked lowering (`--step-lower-sparse block=B`), e.g. a bias or a
    softmax row statistic as `[1, B]` or `[B, 1]`. `block` and `tile`
    exclude each other.
    Shape rule: same shape as the references.

    ```mlir
    %v = step.array_val %rj tensor "A" : !step.stream<[1, 4, ragged<J>], ref>
    // -> !step.stream<[1, 4, ragged<J>], tile<1x1xf32>>
    %b = step.array_val %rj tensor "A" block 16 : !step.stream<[1, 4, ragged<J>], ref>
    // -> !step.stream<[1, 4, ragged<J>], tile<16x16xf32>>
    %c = step.array_val %rj tensor "b" tile [1, 16] : !step.stream<[1, 4, ragged<J>], ref>
    // -> !step.stream<[1, 4, ragged<J>], tile<1x16xf32>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$ref, StrAttr:$tensor,
                       OptionalAttr<Step_PosI64>:$block,
                       OptionalAttr<DenseI64ArrayAttr>:$tile_shape);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "$ref `tensor` $tensor (`block` $block^)? (`tile` $tile_shape^)? attr-dict `:` qualified(type($ref))";
}

def Step_ReduceOp : Step_InferredStreamOp<"reduce"> {
  let summary = "reducer: sums (or maxes) every innermost fiber";
  let description = [{
    SAM's Reduce (`kind` "add" or "max") over a value stream: each innermost
    fiber becomes one value; an input stop Sn becomes the value followed by
    S(n-1) when n >= 1. An empty fiber gives 0; N is ignored.
    SAM's test: `[5,5,S0,5,S0,4,8,S0,4,3,S0,4,3,S1,D]` -> `[10,5,12,7,7,S0,D]`.
    Shape rule: `[D.., X] -> [D..]` (rank >= 1).

    With `outer` (coordinates of the result's level, of shape `[D..]`), the
    input's fibers follow those coordinates: one fiber per element of
    `outer`, and a stop of `outer` with no element before it (an empty fiber
    of the result level) gives just that stop, where the input has a bare
    stop one level higher. SAM's tokens alone cannot tell this case from an
    element whose fiber is empty (which gives 0): below an empty fiber a
    level scanner turns the stop Sn into S(n+1), the tokens of "one element
    with an empty fiber". `outer: [0, S0, S1, D]` with input
    `[1, 2, S1, S2, D]` gives `[3, S0, S1, D]` (without `outer`: `[3, S0, 0, S1, D]`).

    ```mlir
    %y = step.reduce %p kind "add" : !step.stream<[1, 4, ragged<K>], tile<1x1xf32>>
    // -> !step.stream<[1, 4], tile<1x1xf32>>
    %z = step.reduce %p kind "add" outer %ci
        : !step.stream<[1, ragged<I>, ragged<K>], tile<1x1xf32>>, !step.stream<[1, ragged<I>], crd>
    // -> !step.stream<[1, ragged<I>], tile<1x1xf32>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input, StrAttr:$kind,
                       Optional<Step_AnyStream>:$outer);
  let results = (outs Step_AnyStream:$result);
  // Without `outer` (the form before it existed).
  let builders = [
    OpBuilder<(ins "::mlir::Value":$input, "::llvm::StringRef":$kind), [{
      build($_builder, $_state, input, kind, ::mlir::Value());
    }]>
  ];
  let assemblyFormat = "$input `kind` $kind (`outer` $outer^)? attr-dict `:` qualified(type($input)) (`,` qualified(type($outer))^)?";
}

def Step_SpaccOp : Step_InferredStreamOp<"spacc"> {
  let summary = "sparse accumulator (higher-order reducer) of order 1";
  let description = [{
    SAM's SparseAccumulator of order 1: reduces over a dimension K that is
    not innermost. Inputs share the structure `[D.., K, J]`: inner
    coordinates j, outer coordinates i held over K and J (coordinate holds),
    and values. Each block (an i) sums the values by j across its K fibers
    and emits i, then the sorted j with their sums. Blocks without elements
    emit nothing, unless `keep_empty` is set: then every block emits its
    inner fiber, empty or not (the outer coordinates of empty blocks are
    still not emitted: a lowering that sets it aligns the result with the
    outer level it already has, --step-lower-sparse). Inputs are
    `[D.., I, K, J]`; results: outer coordinates
    `[D.., ragged<outer_name>]` (the blocks with elements), inner
    coordinates and values `[D.., ragged<outer_name>, ragged<name>]`.

    ```mlir
    %j, %i, %v = step.spacc %cj, %ci, %val order 1 name "J2" outer_name "I2"
        : !step.stream<[1, ragged<I>, ragged<K>, ragged<J>], crd>,
          !step.stream<[1, ragged<I>, ragged<K>, ragged<J>], crd>,
          !step.stream<[1, ragged<I>, ragged<K>, ragged<J>], tile<1x1xf32>>
    // -> [1, ragged<I2>, ragged<J2>] crd, [1, ragged<I2>] crd,
    //    [1, ragged<I2>, ragged<J2>] tile<1x1xf32>
    ```
  }];
  let arguments = (ins Step_AnyStream:$inner, Step_AnyStream:$outer,
                       Step_AnyStream:$vals, Step_PosI64:$order,
                       StrAttr:$name, StrAttr:$outer_name,
                       UnitAttr:$keep_empty);
  let results = (outs Step_AnyStream:$inner_crd, Step_AnyStream:$outer_crd,
                      Step_AnyStream:$result_vals);
  let assemblyFormat = [{
    $inner `,` $outer `,` $vals `order` $order `name` $name `outer_name` $outer_name (`keep_empty` $keep_empty^)? attr-dict `:` qualified(type($inner)) `,` qualified(type($outer)) `,` qualified(type($vals))
  }];
}

def Step_CrdDropOp : Step_InferredStreamOp<"crd_drop"> {
  let summary = "coordinate dropper: removes outer coordinates of empty fibers";
  let description = [{
    SAM's CoordDrop: outer coordinates whose inner fiber is empty are
    dropped together with that fiber; the stops stay consistent. SAM's
    test: outer `[0,1,S0,D]`, inner `[1,S0,S1,D]` -> outer `[0,S0,D]`,
    inner `[1,S1,D]`.
    Shape rule: `outer [D..]`, `inner [D.., X]`; results have the operand
    types (their ragged dims count fewer elements at run time).

    ```mlir
    %o, %i = step.crd_drop %outer, %inner
        : !step.stream<[1, ragged<I>], crd>, !step.stream<[1, ragged<I>, ragged<J>], crd>
    ```
  }];
  let arguments = (ins Step_AnyStream:$outer, Step_AnyStream:$inner);
  let results = (outs Step_AnyStream:$outer_crd, Step_AnyStream:$inner_crd);
  let assemblyFormat = "$outer `,` $inner attr-dict `:` qualified(type($outer)) `,` qualified(type($inner))";
}

def Step_ForkOp : Step_InferredStreamOp<"fork"> {
  let summary = "splits a sparse stream into parallel lanes, round-robin";
  let description = [{
    FuseFlow's stream parallelizer (Comal's Scatter): the elements (and N)
    of `input` go to the `count` results round-robin, one counter over the
    whole stream; every stop goes to all lanes. The lanes are duplicated
    subgraphs that a `join` with the same order merges back.
    Shape rule: `[D.., X]` -> `count` streams `[D.., ragged<name_k>]`,
    k = 0..count-1.

    ```mlir
    %l:2 = step.fork %ri count 2 name "R" : !step.stream<[1, 3], ref>
    // -> !step.stream<[1, ragged<R_0>], ref>, !step.stream<[1, ragged<R_1>], ref>
    ```
  }];
  let arguments = (ins Step_AnyStream:$input, Step_PosI64:$count,
                       StrAttr:$name);
  let results = (outs Variadic<Step_AnyStream>:$lanes);
  let assemblyFormat = "$input `count` $count `name` $name attr-dict `:` qualified(type($input))";
}

def Step_JoinOp : Step_InferredStreamOp<"join"> {
  let summary = "merges the parallel lanes of a fork back into one stream";
  let description = [{
    FuseFlow's stream serializer (Comal's Gather). Each lane carries, per
    element its fork gave it, one sub-result: an element when `depth` is 0,
    else a fiber `depth` levels deep. Sub-results are taken from the lanes
    in the fork's round-robin order; an outer stop, which every lane shows,
    is emitted once.
    Shape rule: lanes `[D.., X_k, S..]` with `depth` = the number of `S..`
    dims, equal except for `X_k` -> `[D.., ragged<name>, S..]`.

    ```mlir
    %y = step.join %y0, %y1 depth 0 name "Y"
        : !step.stream<[1, ragged<R_0>], tile<1x1xf32>>, !step.stream<[1, ragged<R_1>], tile<1x1xf32>>
    // -> !step.stream<[1, ragged<Y>], tile<1x1xf32>>
    ```
  }];
  let arguments = (ins Variadic<Step_AnyStream>:$lanes, Step_NonNegI64:$depth,
                       StrAttr:$name);
  let results = (outs Step_AnyStream:$result);
  let assemblyFormat = "$lanes `depth` $depth `name` $name attr-dict `:` qualified(type($lanes))";
}

def Step_FiberWriteOp : Step_StreamOp<"fiber_write"> {
  let summary = "level writer: builds seg and crd of an output level";
  let description = [{
    SAM's FiberWrite (coordinates): every coordinate goes to the crd array of
    level `mode` of the output `tensor`, every stop closes a fiber (seg
    starts at 0 and gets the crd count at each stop). Simulation stores
    `<tensor>.mode_<mode>_seg` and `_crd` (step-sim --save writes them).

    ```mlir
    step.fiber_write %j tensor "C" mode 1 : !step.stream<[1, 4, ragged<K>], crd>
    ```
  }];
  let arguments = (ins Step_AnyStream:$crd, StrAttr:$tensor,
                       Step_NonNegI64:$mode);
  let assemblyFormat = "$crd `tensor` $tensor `mode` $mode attr-dict `:` qualified(type($crd))";
  let hasVerifier = 1;
}

def Step_ValWriteOp : Step_StreamOp<"val_write"> {
  let summary = "value writer: builds the vals array of an output tensor";
  let description = [{
    SAM's ValWrite: appends every value to `<tensor>.vals` (N writes 0;
    stops are skipped).

    ```mlir
    step.val_write %v tensor "C" : !step.stream<[1, 4, ragged<K>], tile<1x1xf32>>
    ```
  }];
  let arguments = (ins Step_AnyStream:$vals, StrAttr:$tensor);
  let assemblyFormat = "$vals `tensor` $tensor attr-dict `:` qualified(type($vals))";
  let hasVerifier = 1;
}

#endif // STEP_SPARSE_OPS_TD
