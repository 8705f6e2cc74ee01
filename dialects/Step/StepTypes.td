//===- StepTypes.td - stream and element types -------------*- tablegen -*-===//
//
// Types of the step dialect: the stream type and the element kinds a stream
// can carry (tile, selector, buffer, tuple). Dimensions are symbolic integer
// expressions (dialects/Step/Symbolic).
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TYPES_TD
#define STEP_TYPES_TD

include "dialects/Step/StepBase.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

class Step_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Step_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def Step_DimListParameter : ArrayRefParameter<"::step::sym::Expr",
    "symbolic dimensions, outermost first">;
def Step_DimParameter : TypeParameter<"::step::sym::Expr",
    "a symbolic dimension">;

def Step_TileType : Step_Type<"Tile", "tile"> {
  let summary = "a two-dimensional tile of scalars";
  let description = [{
    A `rows x cols` matrix of a scalar type (integer or float). Either
    dimension may be symbolic, which is how dynamic tiling packs a runtime
    number of tokens into one tile.

    ```mlir
    !step.tile<16x4096xbf16>          // static
    !step.tile<[B0, 4096], bf16>      // rows given by the symbol B0
    ```
    Inside a stream, buffer or tuple the `!step.` prefix may be omitted.
  }];
  let parameters = (ins Step_DimParameter:$rows, Step_DimParameter:$cols,
                        "::mlir::Type":$elementType);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Bytes of one tile: rows * cols * element bytes (symbolic).
    ::step::sym::Expr getBytes() const;
    /// Number of scalars in the tile (symbolic).
    ::step::sym::Expr getNumElements() const;
    bool hasStaticShape() const {
      return getRows().isStatic() && getCols().isStatic();
    }
  }];
}

def Step_SelectorType : Step_Type<"Selector", "selector"> {
  let summary = "a multi-hot selector over N targets";
  let description = [{
    A multi-hot vector of width `n`, used by `partition` and `reassemble` to
    choose outputs/inputs, and produced by `eager_merge`. When every selector
    of a stream has exactly `k` bits set (a top-k routing), the type says so
    with `hot = k`; a reassemble driven by such a selector has a regular
    (k-sized) new dimension instead of a ragged one.

    ```mlir
    !step.selector<8>            // any number of bits set
    !step.selector<8, hot = 2>   // exactly two bits set (top-2 routing)
    ```
  }];
  let parameters = (ins "int64_t":$width, DefaultValuedParameter<"int64_t", "0">:$hot);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Bytes of one selector as the STeP artifact counts it (multi-hot: one
    /// byte per target).
    int64_t getBytes() const { return getWidth(); }
  }];
}

def Step_BufferType : Step_Type<"Buffer", "buffer"> {
  let summary = "a read-only reference to tiles materialized in memory";
  let description = [{
    Produced by `bufferize`, consumed by `streamify`. The buffer holds a tensor
    of `shape` (outermost first, symbolic) whose elements are tiles, in the
    given memory level (`onchip`, the default, or `offchip` when spilled).
    Only the outermost buffered dimension may be ragged.

    ```mlir
    !step.buffer<[4, 16], tile<16x64xbf16>>
    !step.buffer<[B0], tile<1x4096xbf16>, offchip>
    ```
  }];
  let parameters = (ins Step_DimListParameter:$shape, "::mlir::Type":$elementType,
                        DefaultValuedParameter<"bool", "false">:$offChip);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def Step_TupleType : Step_Type<"ElemTuple", "tuple"> {
  let summary = "a tuple of stream elements, as produced by zip";
  let description = [{
    ```mlir
    !step.tuple<tile<16x4096xbf16>, tile<4096x64xbf16>>
    ```
  }];
  let parameters = (ins ArrayRefParameter<"::mlir::Type", "elements">:$elements);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def Step_CrdType : Step_Type<"Crd", "crd"> {
  let summary = "a coordinate of a sparse (SAM) stream";
  let description = [{
    An element of a SAM coordinate stream: the integer coordinate of a
    nonzero along one tensor dimension. In a stream, a compressed level is a
    ragged dimension; fibers end with stop tokens like any other stream
    dimension, and a sparse stream may also carry the empty token `N`
    (dialects/Step/README.md, "Sparse streams").

    ```mlir
    !step.stream<[1, ragged<J>], crd>     // the coordinates of one fiber
    ```
  }];
}

def Step_RefType : Step_Type<"Ref", "ref"> {
  let summary = "a reference (position) into the next level of a sparse tensor";
  let description = [{
    An element of a SAM reference stream: the position of a coordinate in
    its level, which addresses the child fiber in the next level or the
    value in the values array.

    ```mlir
    !step.stream<[1], ref>                // the root reference
    !step.stream<[1, ragged<J>], ref>
    ```
  }];
}

def Step_StreamType : Step_Type<"Stream", "stream"> {
  let summary = "a stream of elements with a symbolic shape";
  let description = [{
    A stream of rank r has r+1 dimensions `[D_r, ..., D_0]`, outermost first.
    It carries D_r tensors of shape `[D_{r-1}, ..., D_0]`; stop tokens mark
    the end of each dimension and a done token ends the stream. Each
    dimension is a symbolic expression over integers, symbols
    (dynamic-regular) and `ragged<...>` dimensions:

    ```mlir
    !step.stream<[1, 64], tile<1x4096xbf16>>
    !step.stream<[(B0 + 15) floordiv 16, 224], tile<16x64xbf16>>
    !step.stream<[1, 64, ragged<R0>], tile<1x4096xbf16>>
    !step.stream<[C0], buffer<[16], tile<1x4096xbf16>>>
    ```
    Elements are tiles, selectors, buffers, tuples, scalar types (`i1`
    for flags such as reshape padding and store acknowledgements), or the
    coordinates and references of sparse streams (`crd`, `ref`; their
    values are `tile<1x1xf32>`).
  }];
  let parameters = (ins Step_DimListParameter:$shape, "::mlir::Type":$elementType);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Rank of the stream: number of dimensions minus one.
    unsigned getRank() const { return getShape().size() - 1; }
    /// Dimension of rank `r` (0 = innermost).
    ::step::sym::Expr getDimOfRank(unsigned r) const {
      return getShape()[getShape().size() - 1 - r];
    }
    /// Number of elements the stream carries (symbolic). With a ragged
    /// dimension the dimensions outside it are absorbed into its total.
    ::step::sym::Expr getCardinality() const;
    /// A stream with the same element type and another shape.
    StreamType withShape(::llvm::ArrayRef<::step::sym::Expr> shape) const;
  }];
}

def Step_AnyStream : Type<CPred<"::llvm::isa<::mlir::step::StreamType>($_self)">,
    "step stream", "::mlir::step::StreamType">;
def Step_AnyTile : Type<CPred<"::llvm::isa<::mlir::step::TileType>($_self)">,
    "step tile", "::mlir::step::TileType">;
def Step_AnyElement : Type<CPred<"::mlir::step::isStreamElementType($_self)">,
    "step stream element (tile, selector, buffer, tuple, scalar, crd or ref)">;

#endif // STEP_TYPES_TD
