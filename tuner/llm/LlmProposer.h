//===- LlmProposer.h - schedule proposals from a language model -*- C++ -*-===//
//
// The pieces of step-tune's `llm` proposer that do not depend on the tuner
// core: a plain description of the search state (PromptContext: layer and
// architecture summaries, the current, parent and grandparent schedules with
// their simulated metrics, the transformation vocabulary with parameter
// domains, remembered successful sequences), the prompt and the JSON schema
// of the answer built from it, and the validation of the answer against the
// vocabulary. The tuner's adapter converts its schedules and actions to and
// from these structs; everything here is strings, integers and vectors.
//
// The answer the model is asked for:
//   {"reasoning": "...",
//    "transformations": [{"name": "<action>", "args": {"<param>": value}}]}
// Each item is checked against the vocabulary (known name, every parameter
// present, in its domain, no extra ones). Invalid items are dropped and
// counted; the caller substitutes a random legal action when nothing valid
// is left, as the Reasoning Compiler does.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TUNER_LLM_LLMPROPOSER_H
#define STEP_TUNER_LLM_LLMPROPOSER_H

#include "tuner/llm/ChatClient.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace step::llm {

//===----------------------------------------------------------------------===//
// Vocabulary
//===----------------------------------------------------------------------===//

/// The domain of one transformation parameter.
struct ParamDomain {
  enum class Kind {
    IntRange, ///< an integer in [min, max]
    IntSet,   ///< one of `ints`
    Choice,   ///< one of the strings in `choices`
    Bool,
  };
  std::string name;
  Kind kind = Kind::IntRange;
  int64_t min = 0, max = 0;
  std::vector<int64_t> ints;
  std::vector<std::string> choices;

  static ParamDomain intRange(std::string name, int64_t min, int64_t max);
  static ParamDomain intSet(std::string name, std::vector<int64_t> values);
  static ParamDomain choice(std::string name, std::vector<std::string> values);
  static ParamDomain boolean(std::string name);
  /// "integer in [1, 64]", "one of {64, 128}", "one of {a, b}", "true or
  /// false" (used in the prompt).
  std::string describe() const;
};

/// One transformation of the closed vocabulary.
struct ActionSpec {
  std::string name;
  /// One line for the prompt: what it does, which pass applies it.
  std::string description;
  std::vector<ParamDomain> params;
};

/// A parameter value of a proposed action.
struct ArgValue {
  ParamDomain::Kind kind = ParamDomain::Kind::IntRange;
  int64_t intValue = 0;
  bool boolValue = false;
  std::string stringValue;
  std::string str() const;
  bool operator==(const ArgValue &o) const;
};

/// A validated action: a vocabulary name and one value per parameter, in the
/// order of its ActionSpec::params.
struct ProposedAction {
  std::string name;
  std::vector<std::pair<std::string, ArgValue>> args;
  /// "tile(dim=n, size=64)".
  std::string str() const;
  bool operator==(const ProposedAction &o) const;
};

//===----------------------------------------------------------------------===//
// Search state
//===----------------------------------------------------------------------===//

/// Simulated metrics of a schedule.
struct ScheduleMetrics {
  bool feasible = true;
  std::string infeasibleReason;
  int64_t cycles = 0;
  /// Fraction of compute units busy, in [0, 1].
  double utilization = 0;
  int64_t offChipBytes = 0;
  int64_t onChipBytes = 0;
  /// Operators on the critical path or most stalled, worst first.
  std::vector<std::string> bottlenecks;
};

/// A schedule as the prompt shows it: its transformations (or pipeline) as
/// text, and its metrics when it has been simulated.
struct ScheduleView {
  std::string text;
  std::optional<ScheduleMetrics> metrics;
};

/// A transformation sequence that improved a layer of this kind before.
struct Example {
  std::vector<std::string> actions; ///< ProposedAction::str() of each step
  /// baseline cycles / resulting cycles (> 1 means faster).
  double speedup = 1;
};

/// Everything the prompt is built from.
struct PromptContext {
  std::string layerKind; ///< "moe", "attention-decode", "gcn", ...
  std::string layerSummary;
  std::string archSummary;
  ScheduleView current;
  std::optional<ScheduleView> parent;
  std::optional<ScheduleView> grandparent;
  std::vector<ActionSpec> vocabulary;
  std::vector<Example> examples;
  /// Transformations already applied to the current schedule (its existing
  /// children), so the model proposes something else.
  std::vector<std::string> tried;
  /// Cycles of the reference schedule; 0 when unknown.
  int64_t baselineCycles = 0;
};

//===----------------------------------------------------------------------===//
// Prompt, schema, validation
//===----------------------------------------------------------------------===//

struct LlmProposerOptions {
  std::string model = "default";
  double temperature = 0.2;
  /// Most transformations one answer may propose (the schema's maxItems).
  unsigned maxActions = 3;
  std::optional<int64_t> maxTokens = 1024;
  std::optional<int64_t> seed;
  std::string schemaName = "step_schedule_proposal";
  /// false: the transformations of one answer are a sequence applied in
  /// order to make one child (the Reasoning Compiler's reading). true: each
  /// is an alternative applied alone to the current schedule, one child
  /// each (what step-tune's proposer interface asks for).
  bool alternatives = false;
};

/// The system message: the task, the answer format, the rules.
std::string systemPrompt(unsigned maxActions, bool alternatives = false);
/// The user message: summaries, schedules with metrics, vocabulary,
/// examples, transformations already tried.
std::string userPrompt(const PromptContext &ctx, unsigned maxActions,
                       bool alternatives = false);
/// The answer schema as JSON text: an object with "reasoning" then
/// "transformations", each item one of the vocabulary's actions (anyOf over
/// the actions, each with "name" as a one-value enum, then "args" with the
/// parameters' domains in vocabulary order). Text, so the property order
/// that grammar-constrained servers follow is kept (see ChatRequest).
std::string answerSchema(const std::vector<ActionSpec> &vocabulary,
                         unsigned maxActions);
/// The full chat request for `ctx`.
ChatRequest buildRequest(const PromptContext &ctx,
                         const LlmProposerOptions &opts);

/// The result of validating one answer.
struct ParsedAnswer {
  std::string reasoning;
  std::vector<ProposedAction> actions; ///< valid items, in answer order
  /// Items rejected (unknown name, missing, extra or out-of-domain args,
  /// items beyond maxActions).
  unsigned invalid = 0;
  /// The answer as a whole was unusable (not JSON, no transformations
  /// array).
  bool unusable = false;
  /// One line per rejected item or structural problem.
  std::vector<std::string> problems;
};

/// Parses `content` (a Markdown code fence around it is tolerated) and
/// validates each item against `vocabulary`.
ParsedAnswer parseAnswer(llvm::StringRef content,
                         const std::vector<ActionSpec> &vocabulary,
                         unsigned maxActions);

/// One proposal: the valid actions, and why there are none when empty.
struct Proposal {
  std::vector<ProposedAction> actions;
  unsigned invalid = 0;
  /// The exchange failed (kind != None) and no answer was usable.
  ErrorKind error = ErrorKind::None;
  std::string message;
  std::string reasoning;
  /// True when the caller must substitute a random legal action (no valid
  /// action came back).
  bool needsFallback() const { return actions.empty(); }
};

/// Counters for the tuner's report.
struct ProposerStats {
  unsigned calls = 0;
  unsigned validActions = 0;
  unsigned invalidActions = 0;
  /// Proposals with no valid action (the caller used a random one).
  unsigned fallbacks = 0;
  /// Failed exchanges by ErrorKind name.
  std::map<std::string, unsigned> errors;
};

/// Asks `backend` for proposals and validates them. Partial (token limit)
/// and SchemaMismatch answers are still parsed, so their valid items are
/// used.
class LlmProposer {
public:
  LlmProposer(ChatBackend &backend, LlmProposerOptions opts)
      : backend(backend), opts(std::move(opts)) {}
  Proposal propose(const PromptContext &ctx);
  const ProposerStats &stats() const { return counters; }
  const LlmProposerOptions &options() const { return opts; }

private:
  ChatBackend &backend;
  LlmProposerOptions opts;
  ProposerStats counters;
};

} // namespace step::llm

#endif // STEP_TUNER_LLM_LLMPROPOSER_H
