//===- Mpi.cpp - MPI evaluation back-end of step-tune ---------------------===//
//
// Protocol (all collectives on MPI_COMM_WORLD): rank 0 broadcasts the number
// of schedules n (-1: stop) and their n * params value indices; every rank
// evaluates its share; rank r > 0 sends the JSON of its metrics (one line
// each) to rank 0 with tag 1.
//
//===----------------------------------------------------------------------===//

#include "tuner/Mpi.h"

#include <mpi.h>

#include <sstream>

namespace step::tune::mpi {

namespace {

int worldRank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int worldSize() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

/// Evaluates this rank's share of `batch`; returns the JSON lines.
std::string share(Evaluator &evaluator, const std::vector<Schedule> &batch,
                  std::vector<Metrics> *out) {
  int rank = worldRank(), size = worldSize();
  std::string text;
  for (size_t i = rank; i < batch.size(); i += size) {
    Metrics m = evaluator.evaluate(batch[i]);
    if (out)
      (*out)[i] = m;
    text += m.toJson() + "\n";
  }
  return text;
}

bool receive(Evaluator &evaluator, std::vector<Schedule> &batch) {
  long long n = 0;
  MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  if (n < 0)
    return false;
  int params = static_cast<int>(evaluator.getWorkload().space().params.size());
  std::vector<int> flat(static_cast<size_t>(n) * params);
  if (!flat.empty())
    MPI_Bcast(flat.data(), static_cast<int>(flat.size()), MPI_INT, 0,
              MPI_COMM_WORLD);
  batch.assign(n, Schedule(params));
  for (long long i = 0; i < n; ++i)
    for (int p = 0; p < params; ++p)
      batch[i][p] = flat[i * params + p];
  return true;
}

} // namespace

void init(int *argc, char ***argv, int &rank, int &size) {
  MPI_Init(argc, argv);
  rank = worldRank();
  size = worldSize();
}

std::vector<Metrics> evaluate(Evaluator &evaluator,
                              const std::vector<Schedule> &batch) {
  int size = worldSize();
  std::vector<Metrics> out(batch.size());
  // Only what rank 0 has not simulated or read from its file goes out.
  std::vector<size_t> todo;
  std::vector<Schedule> send;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (auto m = evaluator.lookup(batch[i]))
      out[i] = *m;
    else {
      todo.push_back(i);
      send.push_back(batch[i]);
    }
  }
  long long n = static_cast<long long>(send.size());
  MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  if (n == 0)
    return out;
  std::vector<int> flat;
  for (const Schedule &s : send)
    flat.insert(flat.end(), s.begin(), s.end());
  MPI_Bcast(flat.data(), static_cast<int>(flat.size()), MPI_INT, 0,
            MPI_COMM_WORLD);
  std::vector<Metrics> mine(send.size());
  share(evaluator, send, &mine);
  for (size_t i = 0; i < send.size(); i += size)
    out[todo[i]] = mine[i];
  for (int r = 1; r < size; ++r) {
    MPI_Status status;
    MPI_Probe(r, 1, MPI_COMM_WORLD, &status);
    int len = 0;
    MPI_Get_count(&status, MPI_CHAR, &len);
    std::string text(len, '\0');
    MPI_Recv(text.data(), len, MPI_CHAR, r, 1, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    std::istringstream is(text);
    std::string line;
    for (size_t i = r; i < send.size(); i += size) {
      Metrics m;
      if (!std::getline(is, line) || !Metrics::fromJson(line, m)) {
        m = Metrics();
        m.reason = "MPI rank " + std::to_string(r) + " sent no metrics";
      }
      out[todo[i]] = m;
      evaluator.store(send[i], m);
    }
  }
  return out;
}

void serve(Evaluator &evaluator) {
  std::vector<Schedule> batch;
  while (receive(evaluator, batch)) {
    std::string text = share(evaluator, batch, nullptr);
    MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, 0, 1,
             MPI_COMM_WORLD);
  }
}

void stop() {
  long long n = -1;
  MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
}

void finalize() { MPI_Finalize(); }

void abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

} // namespace step::tune::mpi
