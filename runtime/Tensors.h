//===- Tensors.h - reading and writing runtime inputs ------------*- C++ -*-===//
//
// Binds named runtime inputs from files: NumPy .npy arrays (float32/64,
// int32/64, bool) and integer CSV tables (routing traces, KV lengths).
// Errors name the file and, for CSV, the line. No MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_RUNTIME_TENSORS_H
#define STEP_RUNTIME_TENSORS_H

#include "simulator/Simulator.h"

#include <string>

namespace step::runtime {

/// Reads a .npy file (C order). Throws sim::InputError naming the file.
sim::Tensor loadNpy(const std::string &path);
/// Writes a tensor as .npy: float32, or int64 when `t.isInteger`; atomically
/// (see writeFileAtomic).
void saveNpy(const std::string &path, const sim::Tensor &t, bool overwrite);
/// Writes `bytes` to a temporary file next to `path`, then moves it into
/// place, so a reader never sees a partial file. Refuses to replace an
/// existing file unless `overwrite` (outputs the tool itself created earlier
/// may be replaced); without it the check and the move are one atomic step.
void writeFileAtomic(const std::string &path, const std::string &bytes,
                     bool overwrite);
/// Reads an integer CSV table: an optional header line (a first cell that
/// is not a number), then rows of equal length. A first column headed
/// `token` is an index and is dropped. Shape: [rows, columns].
sim::Tensor loadIntCsv(const std::string &path);
/// Loads by extension (.npy or .csv).
sim::Tensor loadTensor(const std::string &path);
/// Loads a sparse tensor directory (runtime/README.md, "Sparse tensors"):
/// `shape.npy`, `vals.npy`, and `mode_<m>_seg.npy` + `mode_<m>_crd.npy` for
/// each compressed level m, bound as `NAME.shape`, `NAME.vals`,
/// `NAME.mode_<m>_seg`, ... Checks the arrays against each other; errors
/// name the file.
void loadSparseTensor(const std::string &dir, const std::string &name,
                      sim::RuntimeInputs &inputs);
/// Parses `NAME=FILE` bindings and loads each file (a directory is a sparse
/// tensor).
sim::RuntimeInputs loadBindings(const std::vector<std::string> &specs);

} // namespace step::runtime

#endif // STEP_RUNTIME_TENSORS_H
