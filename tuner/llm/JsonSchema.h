//===- JsonSchema.h - a small JSON Schema checker ----------------*- C++
//-*-===//
//
// Checks a JSON value against the subset of JSON Schema that step-tune's
// answer schemas use, because servers differ in how far they enforce a schema
// (llama.cpp and Ollama compile it to a grammar, vLLM to xgrammar/guidance,
// some hosted endpoints accept it and enforce nothing) and the client must
// not trust any of them. Supported keywords: type (a name or a list), enum,
// const, properties, required, additionalProperties (false or a schema),
// items, minItems, maxItems, minimum, maximum, minLength, maxLength, anyOf,
// oneOf. Other keywords are ignored.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TUNER_LLM_JSONSCHEMA_H
#define STEP_TUNER_LLM_JSONSCHEMA_H

#include "llvm/Support/JSON.h"

#include <optional>
#include <string>

namespace step::llm {

/// std::nullopt when `value` satisfies `schema`, else the first violation
/// found, naming its location as a path ("$.transformations[1].args.size:
/// 5000 is above the maximum 4096").
std::optional<std::string> checkJsonSchema(const llvm::json::Value &value,
                                           const llvm::json::Value &schema);

} // namespace step::llm

#endif // STEP_TUNER_LLM_JSONSCHEMA_H
