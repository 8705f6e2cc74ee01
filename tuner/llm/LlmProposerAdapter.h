//===- LlmProposerAdapter.h - the `llm` proposer of step-tune ---*- C++ -*-===//
//
// Plugs tuner/llm into step-tune's proposer interface (tuner/Proposer.h):
// converts a ProposalContext into a PromptContext, asks the model for up to
// ctx.count alternative transformations, and returns them as the texts the
// tuner validates ("regions=16"). Each parameter of the schedule space is
// one action of the answer schema, named after the parameter, with one
// argument "value" whose domain is the parameter's other values.
//
// Items the model got wrong come back as texts no vocabulary contains
// ("llm-invalid: <why>"), so the tuner's validateProposals counts them as
// invalid and fills their slots with random legal transformations; a failed
// exchange returns nothing and every slot falls back; after 3 failed
// exchanges in a row the model is asked only every 8th expansion. Failures
// are reported on stderr (never with the API key), and a summary of the
// exchanges when the proposer is destroyed.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TUNER_LLM_LLMPROPOSERADAPTER_H
#define STEP_TUNER_LLM_LLMPROPOSERADAPTER_H

#include "tuner/Proposer.h"
#include "tuner/llm/LlmProposer.h"

#include <memory>
#include <string>

namespace step::llm {

/// The prompt state for `ctx` (exposed for tests).
PromptContext toPromptContext(const tune::ProposalContext &ctx);

/// The `llm` proposer from step-tune's options: a ChatClient on
/// options.llmUrl (default http://127.0.0.1:8080/v1) with a time-out of
/// options.llmTimeoutSeconds, or a Replayer of options.replayFile, wrapped
/// in a recorder when options.recordFile is set. nullptr and `error` when a
/// file cannot be opened or both files are given.
std::unique_ptr<tune::Proposer>
createLlmProposer(const tune::ProposerOptions &options, std::string &error);

/// Registers createLlmProposer as "llm" with tune::registerProposer.
void registerLlmProposer();

} // namespace step::llm

#endif // STEP_TUNER_LLM_LLMPROPOSERADAPTER_H
