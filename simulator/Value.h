//===- Value.h - what streams carry ------------------------------*- C++ -*-===//
//
// A stream element (tile, selector, scalar, buffer reference, tuple) and the
// token that carries it through a channel with its stop level and time.
// In timing-only mode tiles carry shapes; in functional mode also floats.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_SIMULATOR_VALUE_H
#define STEP_SIMULATOR_VALUE_H

#include <cstdint>
#include <memory>
#include <vector>

namespace step::sim {

using Time = int64_t;

struct Value {
  /// `Empty` and `NoElement` occur only in sparse (SAM) streams; see
  /// SamTokens.h for how SAM's Val / Stop / N / Done map onto tokens.
  /// Empty: SAM's `N`, a missing element (an absent operand, the reference
  /// of an empty fiber); arithmetic reads it as 0.
  /// NoElement: no element at all; the token only carries its stop (a
  /// standalone SAM stop token, e.g. the bare S0 of an empty fiber).
  enum class Kind : uint8_t {
    Tile,
    Selector,
    Scalar,
    Buffer,
    Tuple,
    Empty,
    NoElement
  };
  Kind kind = Kind::Tile;
  /// The tile sits in a memory unit: consumers pay memory-unit load cycles
  /// (STeP's read_from_mu).
  bool readFromMu = false;
  /// Tile shape; `validRows` rows are data, the rest padding from a reshape.
  int64_t rows = 0, cols = 0, validRows = 0;
  /// A zeros tile whose shape is only known at run time (an accumulator
  /// initializer like `zeros : tile<[B0, 4096], f32>`): it takes the shape
  /// of what it is first combined with.
  bool lazyZero = false;
  /// Bytes per scalar of a tile (2 for bf16, 4 for f32, ...).
  int64_t elemBytes = 0;
  /// Scalar value, address, or metadata.
  int64_t scalar = 0;
  /// Functional mode: rows*cols floats, row-major. Shared, never mutated
  /// once a token is sent.
  std::shared_ptr<const std::vector<float>> data;
  /// Selector: the indices of the set bits, ascending; width in `cols`.
  std::shared_ptr<const std::vector<int32_t>> selected;
  /// Tuple parts, or the tiles held by a buffer (each buffer tile's `scalar`
  /// holds its stop level within the buffer).
  std::shared_ptr<const std::vector<Value>> parts;

  int64_t tileBytes() const { return rows * cols * elemBytes; }
  /// Bytes the value occupies in a FIFO or buffer.
  int64_t bytes() const {
    switch (kind) {
    case Kind::Tile:
      return tileBytes();
    case Kind::Selector:
      return cols;
    case Kind::Tuple:
    case Kind::Buffer: {
      int64_t n = 0;
      if (parts)
        for (const Value &p : *parts)
          n += p.bytes();
      return n;
    }
    case Kind::NoElement:
      return 0;
    default:
      return 8;
    }
  }
  bool isElement() const { return kind != Kind::NoElement; }

  static Value tile(int64_t rows, int64_t cols, int64_t elemBytes,
                    bool readFromMu = false) {
    Value v;
    v.kind = Kind::Tile;
    v.rows = rows;
    v.cols = cols;
    v.validRows = rows;
    v.elemBytes = elemBytes;
    v.readFromMu = readFromMu;
    return v;
  }
  static Value empty() {
    Value v;
    v.kind = Kind::Empty;
    return v;
  }
  static Value noElement() {
    Value v;
    v.kind = Kind::NoElement;
    return v;
  }
  static Value scalarValue(int64_t x) {
    Value v;
    v.kind = Kind::Scalar;
    v.scalar = x;
    return v;
  }
};

/// A value in flight: `stop` is the highest stop token fused on this
/// element (0: none; k: the element ends dimension k). `time` is when the
/// consumer may see it.
struct Token {
  Value value;
  uint32_t stop = 0;
  Time time = 0;
};

} // namespace step::sim

#endif // STEP_SIMULATOR_VALUE_H
