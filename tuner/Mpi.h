//===- Mpi.h - MPI evaluation back-end of step-tune -------------*- C++ -*-===//
//
// With STEP_TUNE_MPI (CMake option, OpenMPI from Debian) step-tune can spread
// each batch over MPI ranks: rank 0 runs the search; it sends the batch's
// schedules that are not in its transposition table to every rank, rank r
// simulates positions r, r + size, ..., and rank 0 gathers the metrics and
// records them. Which schedules are samples, and in which order, is decided
// by rank 0 before a batch is sent, so the result is the one of the TBB
// back-end with the same seed.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TUNER_MPI_H
#define STEP_TUNER_MPI_H

#include "tuner/Evaluator.h"

#include <vector>

namespace step::tune::mpi {

/// MPI_Init; the rank and the number of ranks.
void init(int *argc, char ***argv, int &rank, int &size);
/// Rank 0: evaluates a batch over all ranks.
std::vector<Metrics> evaluate(Evaluator &evaluator,
                              const std::vector<Schedule> &batch);
/// Ranks > 0: serve batches until rank 0 calls stop().
void serve(Evaluator &evaluator);
/// Rank 0: releases the other ranks.
void stop();
/// MPI_Finalize.
void finalize();
/// MPI_Abort: ends every rank after an error on one.
void abort(int code);

} // namespace step::tune::mpi

#endif // STEP_TUNER_MPI_H
