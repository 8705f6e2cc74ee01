//===- step-gen.cpp - the layer generator driver --------------------------===//
//
// Builds a model layer with the C++ layer builders (frontends/layers) and
// prints it as step IR: `step-gen moe ...`, `step-gen ffn ...`.
//
//===----------------------------------------------------------------------===//

#include "dialects/Step/StepDialect.h"
#include "frontends/layers/Layers.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

namespace fe = mlir::step::frontends;

namespace {

const char *usageText =
    "usage: step-gen moe|ffn --tiling N|dyn [options]\n"
    "       step-gen attention [--batch N] [--max-kv N] [options]\n"
    "\n"
    "Builds a model layer with the C++ layer builders and prints it as step\n"
    "IR (a module with one function).\n"
    "\n"
    "Layers:\n"
    "  moe     the MoE layer of STeP's Figure 2: tokens partitioned top-k "
    "over\n"
    "          the experts by the runtime input \"routing\", a SwiGLU expert\n"
    "          per output (weights \"w1_e<i>\", \"w3_e<i>\", \"w2_e<i>\"), "
    "the\n"
    "          routing weights \"routing_weights\" applied, reassembled and\n"
    "          summed over the top-k; function @moe_tile<N> or @moe_dyn. The\n"
    "          same graph as examples/moe_expert/gen_moe.py.\n"
    "  ffn     a dense SwiGLU FFN over the whole batch (the MoE expert\n"
    "          pipeline, no routing; weights \"w1\", \"w3\", \"w2\"); "
    "function\n"
    "          @ffn_tile<N> or @ffn_dyn (one tile of the whole batch).\n"
    "  Both read \"input\" [batch, dim] (bf16) and store \"output\" [batch, "
    "dim]\n"
    "  (f32).\n"
    "  attention  grouped-query attention decode of one KV head over a KV\n"
    "          cache, all requests in one region (STeP §8.3): q \"q\"\n"
    "          [batch*qpk, head_dim] (qpk = heads / KV heads), new rows \"k\",\n"
    "          \"v\" [batch, head_dim], caches \"k_cache\", \"v_cache\"\n"
    "          [batch*max-kv, head_dim], output \"output\"; the metadata\n"
    "          (idx, seq_len, offset) derived from the runtime input\n"
    "          \"kv_lens\" (step-sim --bind kv_lens=FILE.npy); function\n"
    "          @attention_decode_b<B>. Split it into regions with step-opt\n"
    "          --step-parallelize or --step-dynamic-parallelize.\n"
    "\n"
    "Model:\n"
    "  --model NAME       named dimensions (default mixtral-8x7b;\n"
    "                     attention: qwen3-30b-a3b):\n"
    "%MODELS%"
    "  --experts N        override the number of experts (moe only)\n"
    "  --topk N           override the experts per token (moe only)\n"
    "  --dim N            override the hidden size\n"
    "  --inter N          override the expert FFN (intermediate) size\n"
    "\n"
    "Schedule:\n"
    "  --batch N          tokens in the batch (default 64)\n"
    "  --tiling N|dyn     token rows per tile (static tiling: padded chunks "
    "of\n"
    "                     N rows), or dyn (dynamic tiling: each expert packs\n"
    "                     all its tokens into one tile); required\n"
    "  --tile-f N         width of the W1/W3 tiles and height of the W2 tiles\n"
    "                     (default 64); must divide the intermediate size\n"
    "  --compute-bw N     FLOPs/cycle given to every map and accumulation\n"
    "                     (attribute compute_bw; default: the architecture's)\n"
    "  --channel-depth N  FIFO depth, recorded as the module attribute\n"
    "                     step.channel_depth (default: none; attention: 1)\n"
    "\n"
    "Attention (the attention layer only; --tiling does not apply):\n"
    "  --max-kv N         KV-cache rows reserved per request (STeP's maxN;\n"
    "                     default 6464, STeP's value at batch 64; 6528 at 80,\n"
    "                     4672 at 16)\n"
    "  --tile-n N         cache rows per K/V tile (default 32)\n"
    "  --metadata-depth N FIFO depth of the idx/seq_len/offset broadcast\n"
    "                     outputs (default 16, STeP's stated value; 0: the\n"
    "                     channel depth, which is what STeP's simulator used)\n"
    "  --write-back-depth N  FIFO depth before each K/V write-back (default\n"
    "                     4, STeP's stated value; 0: the channel depth)\n"
    "  --compute-bw N     defaults to 2048 for attention (STeP's value)\n"
    "\n"
    "Output:\n"
    "  -o, --output FILE  write to FILE (default -, stdout), atomically: a\n"
    "                     temporary renamed into place, so FILE is replaced\n"
    "                     whole or left as it was\n"
    "  --help             this text\n"
    "\n"
    "Options take their value as the next argument or after '='\n"
    "(--batch=64). step-gen reads no input. Exit status: 0 success, 1 bad\n"
    "options (with a message on stderr).\n"
    "\n"
    "Example:\n"
    "  step-gen moe --model mixtral-8x7b --batch 64 --tiling 16 | \\\n"
    "    step-opt --step-insert-broadcast "
    "--step-report-cost=\"bind=B0=13,...\"\n";

/// The usage text with the known models filled in from the library.
void printUsage() {
  llvm::StringRef text = usageText;
  auto [before, after] = text.split("%MODELS%");
  llvm::outs() << before;
  for (const fe::ModelConfig &m : fe::getKnownModelConfigs())
    llvm::outs() << llvm::formatv("{0,22} {1,-14} {2,3} experts, top-{3}, "
                                  "dim {4}, inter {5}\n",
                                  "", m.name, m.numExperts, m.topK, m.dim,
                                  m.interDim);
  llvm::outs() << after;
}

struct Options {
  std::string layer, model = "mixtral-8x7b", tiling, output = "-";
  fe::ModelOverrides overrides;
  std::optional<int64_t> batch, tileF, computeBw, channelDepth, maxKV, tileN,
      metadataDepth, writeBackDepth;
  bool modelGiven = false;
};

/// Prints "step-gen: error: ..." and exits 1: every user error ends here.
[[noreturn]] void fail(const llvm::Twine &message) {
  llvm::errs() << "step-gen: error: " << message << "\n";
  std::exit(1);
}

int64_t parseInt(llvm::StringRef option, llvm::StringRef text) {
  int64_t v;
  if (text.getAsInteger(10, v))
    fail(option + " expects an integer, got '" + text + "'");
  return v;
}

Options parseArgs(int argc, char **argv) {
  Options opts;
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    llvm::StringRef name = arg, value;
    bool hasValue = false;
    if (arg.starts_with("--") && arg.contains('=')) {
      std::tie(name, value) = arg.split('=');
      hasValue = true;
    }
    auto take = [&]() -> llvm::StringRef {
      if (hasValue)
        return value;
      if (i + 1 >= argc)
        fail(name + " needs a value (see --help)");
      return argv[++i];
    };
    auto takeInt = [&]() { return parseInt(name, take()); };
    if (name == "--help" || name == "-help" || name == "-h") {
      printUsage();
      std::exit(0);
    } else if (name == "--model") {
      opts.model = take().str();
      opts.modelGiven = true;
    } else if (name == "--experts") {
      opts.overrides.numExperts = takeInt();
    } else if (name == "--topk") {
      opts.overrides.topK = takeInt();
    } else if (name == "--dim") {
      opts.overrides.dim = takeInt();
    } else if (name == "--inter") {
      opts.overrides.interDim = takeInt();
    } else if (name == "--batch") {
      opts.batch = takeInt();
    } else if (name == "--tiling") {
      opts.tiling = take().str();
    } else if (name == "--tile-f") {
      opts.tileF = takeInt();
    } else if (name == "--max-kv") {
      opts.maxKV = takeInt();
    } else if (name == "--tile-n") {
      opts.tileN = takeInt();
    } else if (name == "--metadata-depth") {
      opts.metadataDepth = takeInt();
    } else if (name == "--write-back-depth") {
      opts.writeBackDepth = takeInt();
    } else if (name == "--compute-bw") {
      opts.computeBw = takeInt();
    } else if (name == "--channel-depth") {
      opts.channelDepth = takeInt();
    } else if (name == "-o" || name == "--output") {
      opts.output = take().str();
    } else if (name.starts_with("-") && name != "-") {
      fail("unknown option '" + name + "' (see --help)");
    } else if (opts.layer.empty()) {
      opts.layer = arg.str();
    } else {
      fail(llvm::Twine("more than one layer given ('") + opts.layer + "', '" +
           arg + "')");
    }
  }
  return opts;
}

/// The command line as a comment, so the output says how to rebuild it.
std::string commandLine(int argc, char **argv) {
  std::string line = "step-gen";
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    line += ' ';
    line += arg.contains(' ') ? ("'" + arg + "'").str() : arg.str();
  }
  return line;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  Options opts = parseArgs(argc, argv);

  fe::LayerKind kind;
  if (opts.layer == "moe")
    kind = fe::LayerKind::MoE;
  else if (opts.layer == "ffn")
    kind = fe::LayerKind::SwiGLUFFN;
  else if (opts.layer == "attention")
    kind = fe::LayerKind::Attention;
  else if (opts.layer.empty())
    fail("no layer given: step-gen moe|ffn ... (see --help)");
  else
    fail(llvm::Twine("unknown layer '") + opts.layer +
         "'; known layers: moe, ffn, attention");
  if (kind != fe::LayerKind::MoE &&
      (opts.overrides.numExperts || opts.overrides.topK))
    fail("--experts and --topk apply to the moe layer only");

  bool attention = kind == fe::LayerKind::Attention;
  if (attention && (opts.overrides.dim || opts.overrides.interDim ||
                    !opts.tiling.empty() || opts.tileF))
    fail("--dim, --inter, --tiling and --tile-f do not apply to attention");
  if (!attention && (opts.maxKV || opts.tileN || opts.metadataDepth ||
                     opts.writeBackDepth))
    fail("--max-kv, --tile-n, --metadata-depth and --write-back-depth apply "
         "to the attention layer only");
  if (attention && !opts.modelGiven)
    opts.model = "qwen3-30b-a3b";

  std::string error;
  std::optional<fe::ModelConfig> model =
      fe::lookupModelConfig(opts.model, &error);
  if (!model)
    fail(error);
  fe::ModelConfig config = fe::applyOverrides(*model, opts.overrides);

  fe::ScheduleOptions schedule;
  if (attention) {
    schedule.maxKV = opts.maxKV.value_or(schedule.maxKV);
    schedule.kvTileRows = opts.tileN.value_or(schedule.kvTileRows);
    schedule.metadataDepth = opts.metadataDepth.value_or(schedule.metadataDepth);
    schedule.writeBackDepth =
        opts.writeBackDepth.value_or(schedule.writeBackDepth);
    if (!opts.computeBw)
      opts.computeBw = 2048;
    if (!opts.channelDepth)
      opts.channelDepth = 1;
  } else {
    if (opts.tiling.empty())
      fail("--tiling N|dyn is required (see --help)");
    if (mlir::failed(fe::parseTiling(opts.tiling, schedule, error)))
      fail(error);
  }
  if (opts.batch)
    schedule.batch = *opts.batch;
  if (opts.tileF)
    schedule.tileF = *opts.tileF;
  schedule.computeBw = opts.computeBw;
  schedule.channelDepth = opts.channelDepth;
  if (mlir::failed(fe::validate(kind, config, schedule, error)))
    fail(error);

  mlir::MLIRContext context;
  context.loadDialect<mlir::step::StepDialect, mlir::func::FuncDialect>();
  context.printOpOnDiagnostic(false);
  // The builders' diagnostics carry a synthetic location: print the message.
  mlir::ScopedDiagnosticHandler handler(&context, [](mlir::Diagnostic &diag) {
    llvm::errs() << "step-gen: "
                 << (diag.getSeverity() == mlir::DiagnosticSeverity::Error
                         ? "error: "
                         : "")
                 << diag.str() << "\n";
    return mlir::success();
  });
  mlir::Location loc =
      mlir::NameLoc::get(mlir::StringAttr::get(&context, "step-gen"));
  mlir::OwningOpRef<mlir::ModuleOp> module =
      fe::buildLayerModule(&context, loc, kind, config, schedule);
  if (!module)
    return 1;

  // writeToOutput writes a temporary next to FILE and renames it into
  // place: FILE is replaced whole or left as it was.
  llvm::Error written = llvm::writeToOutput(
      opts.output, [&](llvm::raw_ostream &os) -> llvm::Error {
        os << "// Generated by " << commandLine(argc, argv) << "\n";
        module->print(os);
        return llvm::Error::success();
      });
  if (written)
    fail(llvm::Twine("cannot write '") + opts.output +
         "': " + llvm::toString(std::move(written)));
  return 0;
}
