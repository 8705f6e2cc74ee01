//===- step-sim.cpp - the fabric simulator driver -------------------------===//
//
// Simulates a step graph (.mlir through the translate library, or a SimGraph
// in binary .pb or text .pbtxt) on an architecture, with runtime inputs bound
// from files, and prints cycles and statistics.
//
//===----------------------------------------------------------------------===//

#include "dialects/Step/StepDialect.h"
#include "runtime/Tensors.h"
#include "simulator/Error.h"
#include "simulator/Simulator.h"
#include "translate/SimGraphExport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/SourceMgr.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <tbb/parallel_for.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

using namespace step;

// Options. LLVM's command-line library owns `-stats`, so step-sim parses its
// own arguments (see usage()).
namespace {
struct Options {
  std::string inputFile, archFile, funcName, statsFormat = "text", traceFile,
      sweepFile;
  std::vector<std::string> binds, saves;
  bool functional = false, requestLevel = false, quiet = false,
       mockBf16 = false, noPeakOnChip = false;
};
Options opts;

const char *usageText =
    "usage: step-sim GRAPH --arch FILE [options]\n"
    "       step-sim --sweep FILE [options]\n"
    "\n"
    "Simulates a step graph (.mlir, or a SimGraph .pb/.pbtxt from\n"
    "step-translate) on a spatial dataflow fabric and prints cycles and\n"
    "statistics.\n"
    "\n"
    "  --arch FILE            architecture description (arch/*.pbtxt)\n"
    "  --bind NAME=FILE       bind a runtime input (.npy or .csv); repeatable;\n"
    "                         a directory is a sparse tensor (runtime/README.md)\n"
    "  --function NAME        function of a .mlir input (default: the only one)\n"
    "  --functional           tiles carry data and tile ops compute\n"
    "  --no-peak-onchip       do not measure peak on-chip bytes (reported as\n"
    "                         0); its record grows with every transfer, which\n"
    "                         long sparse (SAM) runs cannot afford\n"
    "  --stats text|json|csv  statistics format on stdout (default text)\n"
    "  --trace FILE           Chrome trace of operator activity (Perfetto)\n"
    "  --save NAME=FILE.npy   functional mode: write a stored tensor\n"
    "  --sweep FILE           run the variants of FILE in parallel, one per\n"
    "                         line: LABEL GRAPH ARCH [NAME=FILE ...]; prints CSV\n"
    "  --request-level-memory simulate HBM request by request (slow; checks)\n"
    "  --mock-bf16            time f32 tiles as 2-byte elements (STeP's\n"
    "                         mock_bf16, used in its MoE experiments)\n"
    "  --quiet                no progress line on stderr\n"
    "  --help                 this text\n"
    "\n"
    "Exit status: 0 success, 1 bad input, 2 deadlock.\n";

void parseArgs(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string value;
    bool hasValue = false;
    if (a.rfind("--", 0) == 0) {
      size_t eq = a.find('=');
      if (eq != std::string::npos) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
        hasValue = true;
      }
    }
    auto take = [&]() -> std::string {
      if (hasValue)
        return value;
      if (i + 1 >= argc)
        sim::fail("step-sim: ", a, " needs a value (see --help)");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << usageText;
      std::exit(0);
    } else if (a == "--arch") {
      opts.archFile = take();
    } else if (a == "--bind") {
      opts.binds.push_back(take());
    } else if (a == "--function") {
      opts.funcName = take();
    } else if (a == "--functional") {
      opts.functional = true;
    } else if (a == "--no-peak-onchip") {
      opts.noPeakOnChip = true;
    } else if (a == "--stats") {
      opts.statsFormat = take();
    } else if (a == "--trace") {
      opts.traceFile = take();
    } else if (a == "--save") {
      opts.saves.push_back(take());
    } else if (a == "--sweep") {
      opts.sweepFile = take();
    } else if (a == "--request-level-memory") {
      opts.requestLevel = true;
    } else if (a == "--mock-bf16") {
      opts.mockBf16 = true;
    } else if (a == "--quiet") {
      opts.quiet = true;
    } else if (a.rfind("-", 0) == 0 && a.size() > 1) {
      sim::fail("step-sim: unknown option '", a, "' (see --help)");
    } else if (opts.inputFile.empty()) {
      opts.inputFile = a;
    } else {
      sim::fail("step-sim: more than one graph given ('", opts.inputFile,
                "', '", a, "')");
    }
  }
}
} // namespace

namespace {

bool endsWith(const std::string &s, const std::string &ext) {
  return s.size() >= ext.size() &&
         s.compare(s.size() - ext.size(), ext.size(), ext) == 0;
}

/// Keeps the first text-format error with its position (instead of
/// libprotobuf's log line on stderr).
class FirstError : public google::protobuf::io::ErrorCollector {
public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string &message) override {
    if (error.empty())
      error = std::to_string(line + 1) + ":" + std::to_string(column + 1) +
              ": " + message;
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber,
                  const std::string &) override {}
  std::string error;
};

/// Reads a graph from .mlir (translated), .pb or .pbtxt.
sim::proto::SimGraph loadGraph(const std::string &path,
                               const std::string &function) {
  sim::proto::SimGraph graph;
  if (endsWith(path, ".mlir")) {
    mlir::MLIRContext context;
    context.loadDialect<mlir::step::StepDialect, mlir::func::FuncDialect>();
    // The diagnostics name the place; a dump of the operation (the whole
    // module for module-level errors) would bury them.
    context.printOpOnDiagnostic(false);
    llvm::SourceMgr sourceMgr;
    mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);
    auto buffer = llvm::MemoryBuffer::getFile(path);
    if (!buffer)
      sim::fail(path, ": cannot open");
    sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
    auto module = mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
    if (!module || failed(mlir::step::exportSimGraph(*module, function, graph)))
      sim::fail(path, ": cannot translate the graph (see the errors above)");
    return graph;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    sim::fail(path, ": cannot open");
  std::stringstream buf;
  buf << in.rdbuf();
  if (endsWith(path, ".pbtxt")) {
    google::protobuf::TextFormat::Parser parser;
    FirstError errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(buf.str(), &graph))
      sim::fail(path, ":", errors.error.empty() ? "1: malformed" : errors.error,
                " (expected a SimGraph from step-translate --text)");
  } else if (!graph.ParseFromString(buf.str())) {
    sim::fail(path, ": malformed SimGraph (expected a .pb from step-translate)");
  }
  if (graph.operators_size() == 0)
    sim::fail(path, ": the graph has no operators");
  return graph;
}

/// A progress line on stderr once a run has taken more than three seconds.
struct Progress {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last = start;
  bool shown = false;
  void operator()(int64_t cycle) {
    auto now = std::chrono::steady_clock::now();
    if (now - start < std::chrono::seconds(3) ||
        now - last < std::chrono::seconds(1))
      return;
    last = now;
    shown = true;
    double s = std::chrono::duration<double>(now - start).count();
    std::fprintf(stderr, "\r[step-sim] %.0f s, simulated cycle %lld", s,
                 static_cast<long long>(cycle));
  }
  void done() {
    if (shown)
      std::fprintf(stderr, "\n");
  }
};

std::string jsonEscape(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

/// A quoted CSV cell (RFC 4180: quotes doubled).
std::string csvQuote(const std::string &s) {
  std::string out = "\"";
  for (char c : s)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void printText(const sim::SimResult &r, double seconds) {
  std::cout << "cycles: " << r.cycles << "\n";
  std::cout << "off-chip bytes read: " << r.offChipBytesRead
            << ", written: " << r.offChipBytesWritten << " ("
            << r.offChipRequests << " requests)\n";
  std::cout << "peak on-chip bytes (measured): " << r.peakOnChipBytes << "\n";
  std::cout << std::fixed << std::setprecision(1)
            << "FLOPs/cycle: allocated " << r.allocatedFlopsPerCycle
            << ", achieved " << r.achievedFlopsPerCycle << " (" << r.totalFlops
            << " FLOPs)\n";
  std::cout << "simulation: " << std::setprecision(3) << seconds << " s, "
            << r.transfers << " channel transfers, " << r.resumptions
            << " operator resumptions\n";
  std::cout << "operators (cycles):\n";
  std::cout << "  " << std::left << std::setw(5) << "id" << std::setw(14)
            << "kind" << std::right << std::setw(11) << "busy" << std::setw(11)
            << "stall-in" << std::setw(11) << "stall-out" << std::setw(11)
            << "idle" << std::setw(7) << "util" << "  location\n";
  for (const sim::OperatorStats &o : r.operators)
    std::cout << "  " << std::left << std::setw(5) << o.id << std::setw(14)
              << o.kind << std::right << std::setw(11) << o.busy
              << std::setw(11) << o.stalledIn << std::setw(11) << o.stalledOut
              << std::setw(11) << o.idle << std::setw(6) << std::setprecision(1)
              << 100.0 * o.utilization << "%  " << o.location << "\n";
}

void printJson(const sim::SimResult &r, double seconds) {
  std::cout << "{\n  \"cycles\": " << r.cycles
            << ",\n  \"offchip_bytes_read\": " << r.offChipBytesRead
            << ",\n  \"offchip_bytes_written\": " << r.offChipBytesWritten
            << ",\n  \"offchip_requests\": " << r.offChipRequests
            << ",\n  \"peak_onchip_bytes\": " << r.peakOnChipBytes
            << ",\n  \"allocated_flops_per_cycle\": " << r.allocatedFlopsPerCycle
            << ",\n  \"achieved_flops_per_cycle\": " << r.achievedFlopsPerCycle
            << ",\n  \"total_flops\": " << r.totalFlops
            << ",\n  \"wall_seconds\": " << seconds
            << ",\n  \"transfers\": " << r.transfers << ",\n  \"operators\": [";
  for (size_t i = 0; i < r.operators.size(); ++i) {
    const sim::OperatorStats &o = r.operators[i];
    std::cout << (i ? "," : "") << "\n    {\"id\": " << o.id << ", \"kind\": \""
              << o.kind << "\", \"location\": \"" << jsonEscape(o.location)
              << "\", \"busy\": " << o.busy << ", \"stalled_in\": "
              << o.stalledIn << ", \"stalled_out\": " << o.stalledOut
              << ", \"idle\": " << o.idle << ", \"utilization\": "
              << o.utilization << ", \"flops\": " << o.flops
              << ", \"compute_bw\": " << o.computeBw << "}";
  }
  std::cout << "\n  ]\n}\n";
}

void printCsv(const sim::SimResult &r) {
  std::cout << "id,kind,location,busy,stalled_in,stalled_out,idle,"
               "utilization,flops,compute_bw\n";
  for (const sim::OperatorStats &o : r.operators)
    std::cout << o.id << "," << o.kind << "," << csvQuote(o.location) << ","
              << o.busy << "," << o.stalledIn << "," << o.stalledOut << ","
              << o.idle << "," << o.utilization << "," << o.flops << ","
              << o.computeBw << "\n";
  std::cout << "total,cycles=" << r.cycles << ",,,,,,,,\n";
}

void writeTrace(const std::string &path, const sim::SimResult &r) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out)
      sim::fail(path, ": cannot write the trace");
    out << "{\"displayTimeUnit\": \"ns\", \"otherData\": {\"time unit\": "
           "\"1 us = 1 cycle\"}, \"traceEvents\": [";
    bool first = true;
    for (const sim::OperatorStats &o : r.operators) {
      out << (first ? "" : ",") << "\n{\"ph\": \"M\", \"name\": "
          << "\"thread_name\", \"pid\": 1, \"tid\": " << o.id
          << ", \"args\": {\"name\": \"" << o.id << " " << o.kind << " "
          << jsonEscape(o.location) << "\"}}";
      first = false;
      for (auto [s, e] : o.busyIntervals)
        out << ",\n{\"ph\": \"X\", \"name\": \"" << o.kind
            << "\", \"pid\": 1, \"tid\": " << o.id << ", \"ts\": " << s
            << ", \"dur\": " << (e - s) << "}";
    }
    out << "\n]}\n";
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    sim::fail(path, ": cannot move the trace into place");
}

int runSweep() {
  std::ifstream in(opts.sweepFile);
  if (!in)
    sim::fail(opts.sweepFile, ": cannot open");
  struct Variant {
    std::string label, graph, arch;
    std::vector<std::string> binds;
    int line;
  };
  std::vector<Variant> variants;
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.empty() || line[0] == '#')
      continue;
    std::stringstream ss(line);
    Variant v;
    v.line = lineNo;
    if (!(ss >> v.label >> v.graph >> v.arch))
      sim::fail(opts.sweepFile, ":", lineNo, ": expected LABEL GRAPH ARCH [NAME=FILE ...]");
    std::string b;
    while (ss >> b)
      v.binds.push_back(b);
    variants.push_back(v);
  }
  // Graphs are translated serially (MLIR contexts are heavy); the
  // simulations run in parallel.
  std::vector<sim::proto::SimGraph> graphs(variants.size());
  std::vector<sim::Architecture> archs;
  std::vector<sim::RuntimeInputs> inputs(variants.size());
  for (size_t i = 0; i < variants.size(); ++i) {
    try {
      graphs[i] = loadGraph(variants[i].graph, opts.funcName);
      archs.push_back(sim::Architecture::loadFile(variants[i].arch));
      inputs[i] = runtime::loadBindings(variants[i].binds);
    } catch (const sim::InputError &e) {
      sim::fail(opts.sweepFile, ":", variants[i].line, ": ", variants[i].label,
                ": ", e.what());
    }
  }
  std::vector<sim::SimResult> results(variants.size());
  std::vector<std::string> errors(variants.size());
  sim::SimOptions options;
  options.functional = opts.functional;
  options.peakOnChip = !opts.noPeakOnChip;
  options.requestLevelMemory = opts.requestLevel;
  options.mockBf16 = opts.mockBf16;
  tbb::parallel_for(size_t(0), variants.size(), [&](size_t i) {
    try {
      results[i] = sim::simulate(graphs[i], archs[i], inputs[i], options);
    } catch (const std::exception &e) {
      errors[i] = e.what();
    }
  });
  std::cout << "label,cycles,offchip_bytes_read,offchip_bytes_written,"
               "peak_onchip_bytes,achieved_flops_per_cycle\n";
  int failed = 0;
  for (size_t i = 0; i < variants.size(); ++i) {
    if (!errors[i].empty()) {
      std::cerr << opts.sweepFile << ":" << variants[i].line << ": "
                << variants[i].label << ": " << errors[i] << "\n";
      ++failed;
      continue;
    }
    const sim::SimResult &r = results[i];
    std::cout << variants[i].label << "," << r.cycles << ","
              << r.offChipBytesRead << "," << r.offChipBytesWritten << ","
              << r.peakOnChipBytes << "," << r.achievedFlopsPerCycle << "\n";
  }
  return failed ? 1 : 0;
}

int run() {
  if (!opts.sweepFile.empty())
    return runSweep();
  if (opts.inputFile.empty())
    sim::fail("step-sim: no graph given (a .mlir, .pb or .pbtxt file)");
  if (opts.archFile.empty())
    sim::fail("step-sim: --arch is required (for example arch/sn40l_like.pbtxt)");
  if (opts.statsFormat != "text" && opts.statsFormat != "json" && opts.statsFormat != "csv")
    sim::fail("step-sim: --stats must be text, json or csv, got '",
              opts.statsFormat, "'");
  // Check --save before a possibly long run rather than after it.
  for (const std::string &s : opts.saves) {
    size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
      sim::fail("bad --save '", s, "': expected NAME=FILE.npy");
    if (!opts.functional)
      sim::fail("bad --save '", s,
                "': only functional mode (--functional) computes tensors");
    if (std::ifstream(s.substr(eq + 1)))
      sim::fail(s.substr(eq + 1), ": exists; refusing to overwrite it");
  }
  sim::Architecture arch = sim::Architecture::loadFile(opts.archFile);
  sim::proto::SimGraph graph = loadGraph(opts.inputFile, opts.funcName);
  sim::RuntimeInputs inputs = runtime::loadBindings(opts.binds);
  sim::SimOptions options;
  options.functional = opts.functional;
  options.peakOnChip = !opts.noPeakOnChip;
  options.trace = !opts.traceFile.empty();
  options.requestLevelMemory = opts.requestLevel;
  options.mockBf16 = opts.mockBf16;
  Progress progress;
  if (!opts.quiet)
    options.progress = [&](int64_t c) { progress(c); };
  auto start = std::chrono::steady_clock::now();
  sim::SimResult result = sim::simulate(graph, arch, inputs, options);
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  progress.done();
  if (opts.statsFormat == "json")
    printJson(result, seconds);
  else if (opts.statsFormat == "csv")
    printCsv(result);
  else
    printText(result, seconds);
  if (!opts.traceFile.empty())
    writeTrace(opts.traceFile, result);
  for (const std::string &s : opts.saves) {
    size_t eq = s.find('=');
    if (eq == std::string::npos)
      sim::fail("bad --save '", s, "': expected NAME=FILE.npy");
    auto it = result.stored.find(s.substr(0, eq));
    if (it == result.stored.end())
      sim::fail("bad --save '", s, "': no tensor '", s.substr(0, eq),
                "' was stored (functional mode stores linear_store outputs)");
    runtime::saveNpy(s.substr(eq + 1), it->second, /*overwrite=*/false);
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    parseArgs(argc, argv);
    return run();
  } catch (const sim::DeadlockError &e) {
    std::cerr << "error: " << e.what();
    return 2;
  } catch (const std::exception &e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
