//===- Error.h - errors the simulator reports --------------------*- C++ -*-===//
//
// The simulator reports bad input (graph, architecture, traces, bindings) and
// deadlocks by throwing; tools catch these at the top, print the message and
// exit non-zero. Internal invariants use assert.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_SIMULATOR_ERROR_H
#define STEP_SIMULATOR_ERROR_H

#include <sstream>
#include <stdexcept>
#include <string>

namespace step::sim {

/// Bad input: the message names the file, line, field or operator.
class InputError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The simulated graph cannot make progress.
class DeadlockError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Builds a message from streamable parts: `fail<InputError>("x: ", 3)`.
template <typename E = InputError, typename... Args>
[[noreturn]] void fail(const Args &...args) {
  std::ostringstream os;
  (os << ... << args);
  throw E(os.str());
}

} // namespace step::sim

#endif // STEP_SIMULATOR_ERROR_H
