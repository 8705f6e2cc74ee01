//===- SamTokens.h - SAM's token notation over step tokens -------*- C++
//-*-===//
//
// Sparse (SAM) streams carry Val / Stop(n) / Empty (N) / Done. On a step
// channel they map onto tokens as follows (simulator/README.md, "Sparse
// streams"):
//
//   SAM        step token
//   v          element v (crd/ref: Value::Kind::Scalar; value: 1x1 tile), stop
//   0 Sn         Value::Kind::NoElement with stop n + 1 N Value::Kind::Empty,
//   stop 0 D          the channel closes (as for every stream)
//
// Sparse components emit this one-token-per-SAM-token form, so a stream has
// as many tokens as SAM's and the one-token-per-cycle timing of Comal holds.
// They also accept STeP's fused form (an element with stop k >= 1 reads as
// the element followed by S(k-1)). C++17, no engine.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_SIMULATOR_SAMTOKENS_H
#define STEP_SIMULATOR_SAMTOKENS_H

#include "simulator/Value.h"

#include <string>
#include <vector>

namespace step::sim::sam {

/// Parses SAM notation, e.g. "0, 2, S0, N, S1, D", into unfused tokens (a
/// final D is optional and ends the list). Numbers become Scalar elements,
/// or with `values` 1x1 f32 tiles carrying the number. Throws InputError on
/// malformed text.
std::vector<Token> parse(const std::string &text, bool values = false);

/// Formats tokens in SAM notation ("0, 2, S0, N, S1, D"); fused stops print
/// as a separate Sn after their element. Scalars print as integers, 1x1
/// tiles with data as their number (%g), other tiles as "T". With `done`
/// the list ends with D.
std::string format(const std::vector<Token> &tokens, bool done = true);

/// One element in SAM notation (no stop).
std::string formatElement(const Value &v);

} // namespace step::sim::sam

#endif // STEP_SIMULATOR_SAMTOKENS_H
