//===- SamComponent.h - base of the sparse (SAM) components ------*- C++
//-*-===//
//
// Reads inputs as SAM tokens (Val / Stop(n) / Empty / Done), accepting both
// the one-token-per-SAM-token form and STeP's fused stops, and writes the
// one-token-per-SAM-token form (simulator/SamTokens.h). Also the sparse
// tensor arrays bound at run time (`NAME.mode_<m>_seg`, ...;
// runtime/README.md).
//
//===----------------------------------------------------------------------===//

#ifndef STEP_SIMULATOR_COMPONENTS_SAMCOMPONENT_H
#define STEP_SIMULATOR_COMPONENTS_SAMCOMPONENT_H

#include "simulator/components/OpComponent.h"

#include "simulator/SamTokens.h"

namespace step::sim {

/// A SAM token as a sparse component sees it.
struct SamTok {
  enum Kind { Val, Stop, Empty, Done };
  Kind kind = Done;
  Value value;        // Val
  uint32_t level = 0; // Stop: SAM's n in Sn
  bool isVal() const { return kind == Val; }
  bool isStop() const { return kind == Stop; }
};

class SamComponent : public OpComponent {
public:
  SamComponent(const proto::Operator &op, SimContext &ctx)
      : OpComponent(op, ctx) {}

  /// The head of input `i` as a SAM token, without consuming it.
  Task peekSam(size_t i, SamTok &t);
  /// Consumes the head SAM token of input `i` (the element of a fused
  /// token first, then its stop).
  Task popSam(size_t i);

  Send sendVal(size_t o, Value v) { return send(out(o), std::move(v), 0); }
  Send sendStop(size_t o, uint32_t level) {
    return send(out(o), Value::noElement(), level + 1);
  }
  Send sendEmpty(size_t o) { return send(out(o), Value::empty(), 0); }
  /// Sends `t` (not Done) on output `o`.
  Send sendTok(size_t o, const SamTok &t);

  /// An integer array of a bound sparse tensor (`<tensor>.<part>`), with an
  /// error naming the op and the binding when it is missing or not integer.
  const std::vector<int64_t> &intArray(const std::string &tensor,
                                       const std::string &part) const;
  /// The float `vals` of a bound sparse tensor.
  const Tensor &valsOf(const std::string &tensor) const;

  /// The value tile an output's stream type declares (a 1x1 f32 tile when
  /// the graph gives no type), for results of empty fibers.
  Value valueTileOf(size_t output) const;
  /// The tile type of input `input`'s elements (1x1 f32 when it has none).
  Value inputTileOf(size_t input) const;

  /// "SAM token" for messages.
  static std::string describeTok(const SamTok &t);

private:
  /// The element tile of the stream on `channel` (1x1 f32 when untyped).
  Value tileOfChannel(int channel) const;
  /// Per input: the element of the fused head token was already consumed.
  std::vector<bool> splitDone;
};

} // namespace step::sim

#endif // STEP_SIMULATOR_COMPONENTS_SAMCOMPONENT_H
