//===- LlmProposerAdapter.cpp - the `llm` proposer of step-tune ----------===//
//
// See LlmProposerAdapter.h.
//
//===----------------------------------------------------------------------===//

#include "tuner/llm/LlmProposerAdapter.h"
#include "tuner/llm/Recording.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

using namespace llvm;

namespace step::llm {

namespace {

/// `text` with every absolute path made run- and checkout-independent:
/// step-tune simulates in a fresh temporary directory under numbered file
/// names ("/tmp/step-tune-XXXX/e3.opt.mlir:1452:12" in operator locations
/// and tool errors), and the workload summary names its trace under the
/// source tree. A path with a line (and column) becomes "line L:C", any
/// other its file name. Without this every prompt, and so every recording
/// key, would be unique to one run.
std::string stableText(const std::string &text) {
  auto isEnd = [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == ';' ||
           c == ',' || c == ')' || c == '\'' || c == '"';
  };
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    bool tokenStart = i == 0 ||
                      std::isspace(static_cast<unsigned char>(text[i - 1])) ||
                      text[i - 1] == '(' || text[i - 1] == '=' ||
                      text[i - 1] == '\'' || text[i - 1] == '"';
    if (text[i] != '/' || !tokenStart) {
      out += text[i++];
      continue;
    }
    size_t end = i;
    while (end < text.size() && !isEnd(text[end]))
      ++end;
    StringRef path(text.data() + i, end - i);
    StringRef name = path.substr(path.rfind('/') + 1);
    // name:L:C or name:L, where L and C are numbers.
    SmallVector<StringRef, 3> parts;
    name.split(parts, ':');
    unsigned n;
    bool numbered = parts.size() >= 2 && parts.size() <= 3;
    for (size_t k = 1; numbered && k < parts.size(); ++k)
      numbered = !parts[k].getAsInteger(10, n);
    if (numbered)
      out += "line " + join(ArrayRef<StringRef>(parts).drop_front(), ":");
    else
      out += name.str();
    i = end;
  }
  return out;
}

ScheduleMetrics toMetrics(const tune::Metrics &m) {
  ScheduleMetrics out;
  out.feasible = m.feasible;
  out.infeasibleReason = stableText(m.reason);
  out.cycles = m.cycles;
  out.utilization = m.utilization();
  out.offChipBytes = m.offchipBytes;
  out.onChipBytes = m.onchipBytes;
  if (m.feasible)
    out.bottlenecks.push_back(std::string("pressure ") +
                              tune::pressureName(m.pressure));
  for (const tune::OpSummary &op : m.hottest)
    out.bottlenecks.push_back(
        formatv("{0}{1}{2} ({3:F1}% busy, {4:F1}% stalled)", op.kind,
                op.location.empty() ? "" : " at ", stableText(op.location),
                op.utilization * 100, op.stalled * 100)
            .str());
  return out;
}

ScheduleView toView(const tune::ScheduleView &v, const tune::Space *space) {
  ScheduleView out;
  out.text = v.key;
  if (space && !v.sequence.empty())
    out.text +=
        "\nreached from the reference schedule by: " + space->text(v.sequence);
  out.metrics = toMetrics(v.metrics);
  return out;
}

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, sep);)
    if (!item.empty())
      out.push_back(item);
  return out;
}

class LlmTuneProposer : public tune::Proposer {
public:
  LlmTuneProposer(std::unique_ptr<ChatBackend> base,
                  std::unique_ptr<Replayer> replayer,
                  std::unique_ptr<Recorder> recorder, LlmProposerOptions opts)
      : base(std::move(base)), replayer(std::move(replayer)),
        recorder(std::move(recorder)), opts(std::move(opts)) {
    ChatBackend *b = this->replayer
                         ? static_cast<ChatBackend *>(this->replayer.get())
                         : this->base.get();
    if (this->recorder) {
      recording = std::make_unique<RecordingBackend>(*b, *this->recorder);
      b = recording.get();
    }
    backend = b;
  }

  ~LlmTuneProposer() override {
    if (total.calls == 0)
      return;
    std::string errors;
    for (const auto &[kind, n] : total.errors)
      errors +=
          formatv("{0}{1} {2}", errors.empty() ? "; errors: " : ", ", kind, n)
              .str();
    fprintf(stderr,
            "step-tune: llm proposer: %u requests; transformations: %u "
            "valid, %u invalid; answers with no valid one: %u%s; "
            "expansions not asked after repeated failures: %u\n",
            total.calls, total.validActions, total.invalidActions,
            total.fallbacks, errors.c_str(), skipped);
  }

  std::string name() const override { return "llm"; }

  std::vector<std::string> propose(const tune::ProposalContext &ctx,
                                   std::mt19937_64 &) override {
    if (ctx.count == 0 || ctx.lineage.empty())
      return {};
    // A server that keeps failing would cost every remaining expansion its
    // time-out: after kFailuresToPause failures in a row, ask again only
    // every kProbeEvery expansions (random transformations meanwhile). The
    // failures are recorded, so a replay pauses at the same expansions.
    if (consecutiveFailures >= kFailuresToPause &&
        ++skippedSincePause % kProbeEvery != 0) {
      ++skipped;
      return {};
    }
    LlmProposerOptions o = opts;
    o.maxActions = ctx.count;
    LlmProposer proposer(*backend, o);
    Proposal p = proposer.propose(toPromptContext(ctx));
    add(proposer.stats());
    if (p.error != ErrorKind::None)
      fprintf(stderr, "step-tune: llm proposer: %s: %s\n",
              errorKindName(p.error), p.message.c_str());
    bool failed = p.actions.empty() && p.invalid == 0 &&
                  p.error != ErrorKind::None && p.error != ErrorKind::Replay;
    consecutiveFailures = failed ? consecutiveFailures + 1 : 0;
    skippedSincePause = 0;
    if (consecutiveFailures == kFailuresToPause)
      fprintf(stderr,
              "step-tune: llm proposer: %u failed exchanges in a row; random "
              "transformations, asking again every %u expansions\n",
              kFailuresToPause, kProbeEvery);
    std::vector<std::string> out;
    for (const ProposedAction &a : p.actions)
      out.push_back(a.name + "=" + a.args.at(0).second.str());
    // Texts no vocabulary holds: the tuner counts them invalid and falls
    // back to random legal transformations for their slots.
    for (unsigned i = 0; i < p.invalid; ++i)
      out.push_back("llm-invalid: " + p.message);
    return out;
  }

private:
  void add(const ProposerStats &b) {
    total.calls += b.calls;
    total.validActions += b.validActions;
    total.invalidActions += b.invalidActions;
    total.fallbacks += b.fallbacks;
    for (const auto &[k, n] : b.errors)
      total.errors[k] += n;
  }

  std::unique_ptr<ChatBackend> base;
  std::unique_ptr<Replayer> replayer;
  std::unique_ptr<Recorder> recorder;
  std::unique_ptr<RecordingBackend> recording;
  static constexpr unsigned kFailuresToPause = 3, kProbeEvery = 8;
  ChatBackend *backend = nullptr;
  LlmProposerOptions opts;
  ProposerStats total;
  unsigned consecutiveFailures = 0, skippedSincePause = 0, skipped = 0;
};

} // namespace

PromptContext toPromptContext(const tune::ProposalContext &ctx) {
  const tune::Space *space = ctx.workload ? &ctx.workload->space() : nullptr;
  PromptContext pc;
  if (ctx.workload)
    pc.layerKind = ctx.workload->kind();
  pc.layerSummary = stableText(ctx.layerSummary);
  pc.archSummary = stableText(ctx.archSummary);
  pc.baselineCycles = ctx.baselineCycles;
  if (!ctx.lineage.empty())
    pc.current = toView(ctx.lineage[0], space);
  if (ctx.lineage.size() > 1)
    pc.parent = toView(ctx.lineage[1], space);
  if (ctx.lineage.size() > 2)
    pc.grandparent = toView(ctx.lineage[2], space);

  // One action per parameter, its domain the "name=value" entries of the
  // vocabulary (the parameter's other values); "name+"/"name-" steps are
  // the same moves spelled relatively and are not offered separately.
  for (const std::string &entry : ctx.vocabulary) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos)
      continue;
    std::string param = entry.substr(0, eq), value = entry.substr(eq + 1);
    auto it =
        std::find_if(pc.vocabulary.begin(), pc.vocabulary.end(),
                     [&](const ActionSpec &a) { return a.name == param; });
    if (it == pc.vocabulary.end()) {
      ActionSpec a;
      a.name = param;
      if (space) {
        int index = space->find(param);
        if (index >= 0) {
          const tune::Param &p = space->params[index];
          a.description = p.help;
          if (!ctx.lineage.empty() &&
              index < int(ctx.lineage[0].schedule.size()))
            a.description += formatv(" (now {0}; values in order: {1})",
                                     p.values[ctx.lineage[0].schedule[index]],
                                     join(p.values, ", "))
                                 .str();
        }
      }
      a.params.push_back(ParamDomain::choice("value", {}));
      pc.vocabulary.push_back(std::move(a));
      it = std::prev(pc.vocabulary.end());
    }
    it->params[0].choices.push_back(value);
  }

  if (space)
    for (const tune::Transformation &t : ctx.tried)
      pc.tried.push_back(space->text(t));
  for (const tune::MemoryExample &ex : ctx.examples)
    pc.examples.push_back({split(ex.sequence, ','), ex.speedup});
  return pc;
}

std::unique_ptr<tune::Proposer>
createLlmProposer(const tune::ProposerOptions &options, std::string &error) {
  if (!options.recordFile.empty() && !options.replayFile.empty()) {
    error = "--llm-record and --llm-replay exclude each other";
    return nullptr;
  }
  LlmProposerOptions po;
  po.model = options.llmModel.empty() ? "default" : options.llmModel;
  po.seed = int64_t(options.seed);
  po.alternatives = true;

  std::unique_ptr<ChatBackend> client;
  std::unique_ptr<Replayer> replayer;
  std::unique_ptr<Recorder> recorder;
  if (!options.replayFile.empty()) {
    Expected<std::unique_ptr<Replayer>> r = Replayer::open(options.replayFile);
    if (!r) {
      error = toString(r.takeError());
      return nullptr;
    }
    replayer = std::move(*r);
  } else {
    ChatOptions co;
    if (!options.llmUrl.empty())
      co.baseUrl = options.llmUrl;
    co.apiKeyEnv = options.apiKeyEnv;
    co.totalTimeoutMs =
        std::max<int64_t>(1, int64_t(options.llmTimeoutSeconds * 1000));
    co.connectTimeoutMs =
        std::min<int64_t>(co.connectTimeoutMs, co.totalTimeoutMs);
    client = std::make_unique<ChatClient>(co);
  }
  if (!options.recordFile.empty()) {
    Expected<std::unique_ptr<Recorder>> r =
        Recorder::open(options.recordFile, options.apiKeyEnv);
    if (!r) {
      error = toString(r.takeError());
      return nullptr;
    }
    recorder = std::move(*r);
  }
  return std::make_unique<LlmTuneProposer>(
      std::move(client), std::move(replayer), std::move(recorder), po);
}

void registerLlmProposer() { tune::registerProposer("llm", createLlmProposer); }

} // namespace step::llm
