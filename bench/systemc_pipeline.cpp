//===- systemc_pipeline.cpp - the same pipeline on SystemC and on step ----===//
//
// A source, N stages spending C cycles per token, and a sink: one SC_THREAD
// per operator joined by sc_fifo (SystemC 2.3, Debian libsystemc-dev), and
// the same pipeline on the step engine. Both follow the same rules (a token
// is visible one cycle after it is sent; a stage takes a token, works C
// cycles, sends), so both must report the same cycle count; the program
// checks that, then prints both wall times and the throughput ratio.
//
// Channels have depth D on both sides. step's channels return a credit one
// cycle after a token is received; SystemC's sc_fifo has no such delay, so
// the SystemC model carries credits explicitly: each channel is a data
// sc_fifo plus a credit sc_fifo pre-filled with D credits, and a receiver
// returns a credit stamped with its clock + 1. Same rules, same cycles.
//
// Usage: step-bench-systemc [STAGES TOKENS COMPUTE DEPTH]  (default 64 20000 2 2)
//
//===----------------------------------------------------------------------===//

#include "bench/Pipeline.h"

#include <systemc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

namespace {
struct Tok {
  int64_t time = 0;
  bool operator==(const Tok &o) const { return time == o.time; }
};
std::ostream &operator<<(std::ostream &os, const Tok &t) {
  return os << t.time;
}

int64_t nowCycles() {
  return static_cast<int64_t>(sc_core::sc_time_stamp().to_default_time_units());
}

void waitUntil(int64_t t) {
  int64_t n = nowCycles();
  if (t > n)
    sc_core::wait(sc_core::sc_time(static_cast<double>(t - n), sc_core::SC_NS));
}

/// Waits for a credit to send on a channel (the k-th send needs the
/// (k - D)-th receive, plus one cycle).
void takeCredit(sc_core::sc_fifo_in<Tok> &credits) {
  Tok c = credits.read();
  waitUntil(c.time);
}

SC_MODULE(Source) {
  sc_core::sc_fifo_out<Tok> out;
  sc_core::sc_fifo_in<Tok> outCredits;
  int64_t tokens = 0;
  void run() {
    for (int64_t k = 0; k < tokens; ++k) {
      takeCredit(outCredits);
      out.write(Tok{std::max<int64_t>(k, nowCycles() + 1)});
    }
  }
  SC_CTOR(Source) { SC_THREAD(run); }
};

SC_MODULE(Stage) {
  sc_core::sc_fifo_in<Tok> in;
  sc_core::sc_fifo_out<Tok> inCredits;
  sc_core::sc_fifo_out<Tok> out;
  sc_core::sc_fifo_in<Tok> outCredits;
  int64_t tokens = 0, compute = 0;
  void run() {
    for (int64_t k = 0; k < tokens; ++k) {
      Tok t = in.read();
      waitUntil(t.time);
      inCredits.write(Tok{nowCycles() + 1});
      sc_core::wait(sc_core::sc_time(static_cast<double>(compute),
                                     sc_core::SC_NS));
      takeCredit(outCredits);
      out.write(Tok{nowCycles() + 1});
    }
  }
  SC_CTOR(Stage) { SC_THREAD(run); }
};

SC_MODULE(Sink) {
  sc_core::sc_fifo_in<Tok> in;
  sc_core::sc_fifo_out<Tok> inCredits;
  int64_t tokens = 0, last = 0;
  void run() {
    for (int64_t k = 0; k < tokens; ++k) {
      Tok t = in.read();
      waitUntil(t.time);
      inCredits.write(Tok{nowCycles() + 1});
      last = nowCycles();
    }
  }
  SC_CTOR(Sink) { SC_THREAD(run); }
};

double seconds(std::chrono::steady_clock::time_point a) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - a)
      .count();
}
} // namespace

int sc_main(int argc, char **argv) {
  int stages = argc > 1 ? std::atoi(argv[1]) : 64;
  int64_t tokens = argc > 2 ? std::atoll(argv[2]) : 20000;
  int64_t compute = argc > 3 ? std::atoll(argv[3]) : 2;
  int64_t depth = argc > 4 ? std::atoll(argv[4]) : 2;

  // step: best of three runs.
  double stepSeconds = 1e30;
  step::bench::PipelineResult stepResult;
  for (int i = 0; i < 3; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    stepResult = step::bench::runStepPipeline(stages, tokens, compute, depth);
    stepSeconds = std::min(stepSeconds, seconds(t0));
  }

  // SystemC: one run (it cannot elaborate twice in a process).
  Source source("source");
  source.tokens = tokens;
  std::vector<std::unique_ptr<Stage>> stageMods;
  // Channel i joins operator i to operator i + 1: data plus credits.
  std::vector<std::unique_ptr<sc_core::sc_fifo<Tok>>> data, credits;
  for (int i = 0; i <= stages; ++i) {
    data.push_back(std::make_unique<sc_core::sc_fifo<Tok>>(
        ("d" + std::to_string(i)).c_str(), static_cast<int>(depth + 1)));
    credits.push_back(std::make_unique<sc_core::sc_fifo<Tok>>(
        ("c" + std::to_string(i)).c_str(), static_cast<int>(depth + 1)));
    for (int64_t k = 0; k < depth; ++k)
      credits.back()->nb_write(Tok{0});
  }
  source.out(*data[0]);
  source.outCredits(*credits[0]);
  for (int i = 0; i < stages; ++i) {
    stageMods.push_back(
        std::make_unique<Stage>(("stage" + std::to_string(i)).c_str()));
    stageMods.back()->tokens = tokens;
    stageMods.back()->compute = compute;
    stageMods.back()->in(*data[i]);
    stageMods.back()->inCredits(*credits[i]);
    stageMods.back()->out(*data[i + 1]);
    stageMods.back()->outCredits(*credits[i + 1]);
  }
  Sink sink("sink");
  sink.tokens = tokens;
  sink.in(*data[stages]);
  sink.inCredits(*credits[stages]);
  auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  double scSeconds = seconds(t0);

  int64_t transfers = static_cast<int64_t>(stages + 1) * tokens;
  std::printf("pipeline: %d stages, %lld tokens, %lld cycles/stage/token, "
              "depth %lld\n",
              stages, static_cast<long long>(tokens),
              static_cast<long long>(compute), static_cast<long long>(depth));
  std::printf("%-8s %12s %10s %16s\n", "kernel", "cycles", "seconds",
              "transfers/s");
  std::printf("%-8s %12lld %10.4f %16.0f\n", "step",
              static_cast<long long>(stepResult.cycles), stepSeconds,
              transfers / stepSeconds);
  std::printf("%-8s %12lld %10.4f %16.0f\n", "SystemC",
              static_cast<long long>(sink.last), scSeconds,
              transfers / scSeconds);
  if (stepResult.cycles != sink.last) {
    std::printf("MISMATCH: the two kernels disagree on cycles\n");
    return 1;
  }
  std::printf("same cycles; step is %.1fx SystemC's throughput\n",
              scSeconds / stepSeconds);
  std::printf("csv,%d,%lld,%lld,%lld,%lld,%.6f,%.6f,%.2f\n", stages,
              static_cast<long long>(tokens), static_cast<long long>(compute),
              static_cast<long long>(depth),
              static_cast<long long>(sink.last), stepSeconds, scSeconds,
              scSeconds / stepSeconds);
  return 0;
}
