//===- TileProgram.h - regions of tile ops -----------------------*- C++ -*-===//
//
// A region of a higher-order operator (map, accum, scan, flatmap), compiled
// from its SimGraph form. Evaluating it on runtime values gives the result
// shapes, the FLOPs spent (STeP's conventions, reference/step.md §3.2) and,
// in functional mode, the data, computed by straightforward reference
// implementations.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_SIMULATOR_TILEPROGRAM_H
#define STEP_SIMULATOR_TILEPROGRAM_H

#include "simulator/Value.h"
#include "simulator/proto/sim_graph.pb.h"

#include <string>
#include <vector>

namespace step::sim {

/// Bytes of one scalar of a proto scalar type.
int64_t scalarBytes(proto::Scalar s);

class TileProgram {
public:
  /// Compiles `region`; `where` names the operator in error messages.
  /// `accumulating`: the region is an accum/scan update whose argument 0 is
  /// the accumulator (an `add` of it and a matmul is then a fused
  /// multiply-accumulate, counted as the matmul's 2*M*K*N alone, as STeP's
  /// simulator counts its accumulating matmul).
  TileProgram(const proto::Region &region, const std::string &where,
              bool accumulating);
  TileProgram() = default;

  /// The values the region yields for `args`; adds its FLOPs to `flops`.
  /// Throws InputError on shapes that do not fit (naming the op).
  std::vector<Value> evaluate(const std::vector<Value> &args, bool functional,
                              int64_t &flops) const;

  /// For flatmap regions: the yielded sub-stream's elements.
  std::vector<Value> evaluateStream(const std::vector<Value> &args,
                                    bool functional, int64_t &flops) const;

  size_t numArgs() const { return argTypes.size(); }
  /// Cycles of one application whatever the compute bandwidth (1 when the
  /// region holds one of the attention graph's small functions).
  int64_t fixedCycles() const { return fixed; }
  bool empty() const { return ops.empty() && yields.empty(); }

private:
  struct Op {
    enum Kind {
      Matmul, Add, Sub, Mul, Div, Exp, Silu, RowSum, RowMax, RetileRows,
      SplitRows, Zeros, SetOffset, RowAppend, CacheWriteAddr,
      SignalReqAllRead, Max, Log, Neg, Const
    } kind;
    float constant = 0; // const
    int64_t rowOffset = 0; // cache_write_addr
    std::vector<int> operands;
    bool transposeB = false;
    bool dropPadding = false;
    bool fusedIntoMac = false; // an accumulator add after a matmul
    /// Static result shape where the type gives one (-1: dynamic).
    int64_t rows = -1, cols = -1;
    int64_t elemBytes = 4;
    std::string name;
  };
  std::vector<proto::ElementType> argTypes;
  std::vector<Op> ops;
  std::vector<int> yields;
  std::string where;
  int64_t fixed = 0;
};

} // namespace step::sim

#endif // STEP_SIMULATOR_TILEPROGRAM_H
