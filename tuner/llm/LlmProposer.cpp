//===- LlmProposer.cpp - schedule proposals from a language model --------===//
//
// See LlmProposer.h.
//
//===----------------------------------------------------------------------===//

#include "tuner/llm/LlmProposer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <set>

using namespace llvm;

namespace step::llm {

//===----------------------------------------------------------------------===//
// Vocabulary
//===----------------------------------------------------------------------===//

ParamDomain ParamDomain::intRange(std::string name, int64_t min, int64_t max) {
  ParamDomain d;
  d.name = std::move(name);
  d.kind = Kind::IntRange;
  d.min = min;
  d.max = max;
  return d;
}

ParamDomain ParamDomain::intSet(std::string name, std::vector<int64_t> values) {
  ParamDomain d;
  d.name = std::move(name);
  d.kind = Kind::IntSet;
  d.ints = std::move(values);
  return d;
}

ParamDomain ParamDomain::choice(std::string name,
                                std::vector<std::string> values) {
  ParamDomain d;
  d.name = std::move(name);
  d.kind = Kind::Choice;
  d.choices = std::move(values);
  return d;
}

ParamDomain ParamDomain::boolean(std::string name) {
  ParamDomain d;
  d.name = std::move(name);
  d.kind = Kind::Bool;
  return d;
}

std::string ParamDomain::describe() const {
  switch (kind) {
  case Kind::IntRange:
    return formatv("integer in [{0}, {1}]", min, max).str();
  case Kind::IntSet: {
    std::vector<std::string> s;
    for (int64_t v : ints)
      s.push_back(std::to_string(v));
    return "one of {" + join(s, ", ") + "}";
  }
  case Kind::Choice:
    return "one of {" + join(choices, ", ") + "}";
  case Kind::Bool:
    return "true or false";
  }
  return "";
}

std::string ArgValue::str() const {
  switch (kind) {
  case ParamDomain::Kind::IntRange:
  case ParamDomain::Kind::IntSet:
    return std::to_string(intValue);
  case ParamDomain::Kind::Choice:
    return stringValue;
  case ParamDomain::Kind::Bool:
    return boolValue ? "true" : "false";
  }
  return "";
}

bool ArgValue::operator==(const ArgValue &o) const {
  return kind == o.kind && intValue == o.intValue && boolValue == o.boolValue &&
         stringValue == o.stringValue;
}

std::string ProposedAction::str() const {
  std::vector<std::string> parts;
  for (const auto &[param, value] : args)
    parts.push_back(param + "=" + value.str());
  return name + "(" + join(parts, ", ") + ")";
}

bool ProposedAction::operator==(const ProposedAction &o) const {
  return name == o.name && args == o.args;
}

//===----------------------------------------------------------------------===//
// Prompt
//===----------------------------------------------------------------------===//

std::string systemPrompt(unsigned maxActions, bool alternatives) {
  std::string what =
      alternatives
          ? formatv("propose 1 to {0} alternative transformations, each "
                    "applied alone to the current schedule to make one "
                    "candidate, ",
                    maxActions)
                .str()
          : formatv("propose 1 to {0} transformations, applied in order to "
                    "the current schedule, ",
                    maxActions)
                .str();
  return "You optimize schedules for a spatial dataflow accelerator. A "
         "schedule is a sequence of transformations applied to a layer's "
         "streaming dataflow graph; each schedule is scored by a "
         "cycle-level simulator. Given the current schedule, its ancestors "
         "and their simulated metrics, " +
         what +
         "that are most likely to reduce cycles without exceeding the "
         "architecture's compute units or on-chip memory. Aim at the "
         "bottleneck operators; use the history to avoid repeating moves "
         "that did not help. Use only transformation names and parameter "
         "values from the vocabulary. Answer with one JSON object: "
         "{\"reasoning\": a short explanation, \"transformations\": "
         "[{\"name\": ..., \"args\": {...}}]}.";
}

static void printSchedule(raw_ostream &os, StringRef title,
                          const ScheduleView &s) {
  os << "## " << title << "\n";
  os << (s.text.empty() ? StringRef("(no transformations)") : StringRef(s.text))
     << "\n";
  if (!s.metrics) {
    os << "metrics: not simulated yet\n\n";
    return;
  }
  const ScheduleMetrics &m = *s.metrics;
  if (!m.feasible) {
    os << "metrics: infeasible: " << m.infeasibleReason << "\n\n";
    return;
  }
  os << formatv("metrics: cycles={0}, utilization={1:F1}%, off-chip "
                "bytes={2}, on-chip bytes={3}",
                m.cycles, m.utilization * 100, m.offChipBytes, m.onChipBytes);
  if (!m.bottlenecks.empty())
    os << ", bottlenecks: " << join(m.bottlenecks, ", ");
  os << "\n\n";
}

std::string userPrompt(const PromptContext &ctx, unsigned maxActions,
                       bool alternatives) {
  std::string s;
  raw_string_ostream os(s);
  os << "## Layer";
  if (!ctx.layerKind.empty())
    os << " (" << ctx.layerKind << ")";
  os << "\n" << ctx.layerSummary << "\n";
  if (ctx.baselineCycles > 0)
    os << "Reference schedule: " << ctx.baselineCycles << " cycles.\n";
  os << "\n";
  os << "## Architecture\n" << ctx.archSummary << "\n\n";
  printSchedule(os, "Current schedule", ctx.current);
  if (ctx.parent)
    printSchedule(os, "Parent schedule (before the last step)", *ctx.parent);
  if (ctx.grandparent)
    printSchedule(os, "Grandparent schedule", *ctx.grandparent);
  os << "## Transformations\n";
  for (const ActionSpec &a : ctx.vocabulary) {
    std::vector<std::string> params;
    for (const ParamDomain &p : a.params)
      params.push_back(p.name + ": " + p.describe());
    os << "- " << a.name << "(" << join(params, "; ") << ")";
    if (!a.description.empty())
      os << ": " << a.description;
    os << "\n";
  }
  if (!ctx.examples.empty()) {
    os << "\n## Sequences that sped up this kind of layer before\n";
    for (const Example &e : ctx.examples)
      os << formatv("- {0} ({1:F2}x fewer cycles)\n", join(e.actions, ", "),
                    e.speedup);
  }
  if (!ctx.tried.empty()) {
    os << "\n## Already applied to the current schedule (propose others)\n";
    for (const std::string &t : ctx.tried)
      os << "- " << t << "\n";
  }
  os << formatv(alternatives ? "\nPropose 1 to {0} alternative "
                               "transformations for the current schedule.\n"
                             : "\nPropose 1 to {0} transformations for the "
                               "current schedule.\n",
                maxActions);
  os.flush();
  return s;
}

//===----------------------------------------------------------------------===//
// Schema
//===----------------------------------------------------------------------===//

static void writeParamSchema(json::OStream &j, const ParamDomain &p) {
  j.object([&] {
    switch (p.kind) {
    case ParamDomain::Kind::IntRange:
      j.attribute("type", "integer");
      j.attribute("minimum", p.min);
      j.attribute("maximum", p.max);
      return;
    case ParamDomain::Kind::IntSet:
      j.attribute("type", "integer");
      j.attributeArray("enum", [&] {
        for (int64_t v : p.ints)
          j.value(v);
      });
      return;
    case ParamDomain::Kind::Choice:
      j.attribute("type", "string");
      j.attributeArray("enum", [&] {
        for (const std::string &v : p.choices)
          j.value(v);
      });
      return;
    case ParamDomain::Kind::Bool:
      j.attribute("type", "boolean");
      return;
    }
  });
}

std::string answerSchema(const std::vector<ActionSpec> &vocabulary,
                         unsigned maxActions) {
  std::string text;
  raw_string_ostream os(text);
  json::OStream j(os);
  auto action = [&](const ActionSpec &a) {
    j.object([&] {
      j.attribute("type", "object");
      j.attributeObject("properties", [&] {
        j.attributeObject("name", [&] {
          j.attribute("type", "string");
          j.attributeArray("enum", [&] { j.value(a.name); });
        });
        j.attributeObject("args", [&] {
          j.attribute("type", "object");
          j.attributeObject("properties", [&] {
            for (const ParamDomain &p : a.params) {
              j.attributeBegin(p.name);
              writeParamSchema(j, p);
              j.attributeEnd();
            }
          });
          j.attributeArray("required", [&] {
            for (const ParamDomain &p : a.params)
              j.value(p.name);
          });
          j.attribute("additionalProperties", false);
        });
      });
      j.attributeArray("required", [&] {
        j.value("name");
        j.value("args");
      });
      j.attribute("additionalProperties", false);
    });
  };
  j.object([&] {
    j.attribute("type", "object");
    j.attributeObject("properties", [&] {
      j.attributeObject("reasoning", [&] { j.attribute("type", "string"); });
      j.attributeObject("transformations", [&] {
        j.attribute("type", "array");
        j.attributeObject("items", [&] {
          j.attributeArray("anyOf", [&] {
            for (const ActionSpec &a : vocabulary)
              action(a);
          });
        });
        j.attribute("minItems", 1);
        j.attribute("maxItems", int64_t(maxActions));
      });
    });
    j.attributeArray("required", [&] {
      j.value("reasoning");
      j.value("transformations");
    });
    j.attribute("additionalProperties", false);
  });
  os.flush();
  return text;
}

ChatRequest buildRequest(const PromptContext &ctx,
                         const LlmProposerOptions &opts) {
  ChatRequest r;
  r.model = opts.model;
  r.temperature = opts.temperature;
  r.maxTokens = opts.maxTokens;
  r.seed = opts.seed;
  r.schemaName = opts.schemaName;
  r.schema = answerSchema(ctx.vocabulary, opts.maxActions);
  r.messages = {{"system", systemPrompt(opts.maxActions, opts.alternatives)},
                {"user", userPrompt(ctx, opts.maxActions, opts.alternatives)}};
  return r;
}

//===----------------------------------------------------------------------===//
// Validation
//===----------------------------------------------------------------------===//

/// Checks `value` against `p`; on success fills `out`, else returns why not.
static std::optional<std::string>
checkArg(const ParamDomain &p, const json::Value &value, ArgValue &out) {
  out.kind = p.kind;
  switch (p.kind) {
  case ParamDomain::Kind::IntRange:
  case ParamDomain::Kind::IntSet: {
    std::optional<int64_t> v = value.getAsInteger();
    if (!v)
      return std::string("not an integer");
    bool ok = p.kind == ParamDomain::Kind::IntRange
                  ? *v >= p.min && *v <= p.max
                  : llvm::is_contained(p.ints, *v);
    if (!ok)
      return formatv("{0} is not {1}", *v, p.describe()).str();
    out.intValue = *v;
    return std::nullopt;
  }
  case ParamDomain::Kind::Choice: {
    std::optional<StringRef> v = value.getAsString();
    if (!v)
      return std::string("not a string");
    if (!llvm::is_contained(p.choices, v->str()))
      return formatv("\"{0}\" is not {1}", *v, p.describe()).str();
    out.stringValue = v->str();
    return std::nullopt;
  }
  case ParamDomain::Kind::Bool: {
    std::optional<bool> v = value.getAsBoolean();
    if (!v)
      return std::string("not a boolean");
    out.boolValue = *v;
    return std::nullopt;
  }
  }
  return std::string("unknown parameter kind");
}

ParsedAnswer parseAnswer(StringRef content,
                         const std::vector<ActionSpec> &vocabulary,
                         unsigned maxActions) {
  ParsedAnswer out;
  Expected<json::Value> parsed = json::parse(stripCodeFence(content));
  if (!parsed) {
    out.unusable = true;
    out.problems.push_back("answer is not JSON: " +
                           toString(parsed.takeError()));
    return out;
  }
  const json::Object *root = parsed->getAsObject();
  const json::Array *items = root ? root->getArray("transformations") : nullptr;
  if (!items) {
    out.unusable = true;
    out.problems.push_back("answer has no \"transformations\" array");
    return out;
  }
  if (std::optional<StringRef> r = root->getString("reasoning"))
    out.reasoning = r->str();

  for (size_t i = 0; i < items->size(); ++i) {
    auto reject = [&](const Twine &why) {
      ++out.invalid;
      out.problems.push_back(
          formatv("transformations[{0}]: {1}", i, why.str()).str());
    };
    if (i >= maxActions) {
      reject(formatv("beyond the limit of {0} transformations", maxActions));
      continue;
    }
    const json::Object *item = (*items)[i].getAsObject();
    std::optional<StringRef> name =
        item ? item->getString("name") : std::nullopt;
    if (!name) {
      reject("no \"name\" string");
      continue;
    }
    auto spec = llvm::find_if(
        vocabulary, [&](const ActionSpec &a) { return a.name == *name; });
    if (spec == vocabulary.end()) {
      reject("unknown transformation \"" + *name + "\"");
      continue;
    }
    const json::Value *argsValue = item->get("args");
    const json::Object *args = argsValue ? argsValue->getAsObject() : nullptr;
    // An action without parameters may omit "args" (or send null).
    json::Object none;
    if (!args && spec->params.empty() &&
        (!argsValue || argsValue->kind() == json::Value::Null))
      args = &none;
    if (!args) {
      reject("\"" + *name + "\" has no \"args\" object");
      continue;
    }
    ProposedAction action;
    action.name = name->str();
    std::optional<std::string> bad;
    for (const ParamDomain &p : spec->params) {
      const json::Value *v = args->get(p.name);
      if (!v) {
        bad = formatv("\"{0}\" is missing argument \"{1}\"", *name, p.name);
        break;
      }
      ArgValue value;
      if (std::optional<std::string> why = checkArg(p, *v, value)) {
        bad = formatv("\"{0}\" argument \"{1}\": {2}", *name, p.name, *why);
        break;
      }
      action.args.emplace_back(p.name, std::move(value));
    }
    if (!bad)
      for (const json::Object::value_type *kv : json::sortedElements(*args))
        if (llvm::none_of(spec->params, [&](const ParamDomain &p) {
              return p.name == kv->first;
            })) {
          bad = formatv("\"{0}\" has no argument \"{1}\"", *name, kv->first);
          break;
        }
    if (bad) {
      reject(*bad);
      continue;
    }
    out.actions.push_back(std::move(action));
  }
  return out;
}

Proposal LlmProposer::propose(const PromptContext &ctx) {
  ChatRequest request = buildRequest(ctx, opts);
  ChatResult result = backend.complete(request);
  ++counters.calls;
  if (!result.ok())
    ++counters.errors[errorKindName(result.kind)];

  Proposal p;
  p.error = result.kind;
  p.message = result.message;
  // A schema mismatch or a token-limit cut may still hold valid items.
  bool hasContent =
      result.ok() || result.kind == ErrorKind::SchemaMismatch ||
      (result.kind == ErrorKind::Partial && !result.content.empty());
  if (hasContent) {
    ParsedAnswer a =
        parseAnswer(result.content, ctx.vocabulary, opts.maxActions);
    p.actions = std::move(a.actions);
    p.invalid = a.invalid;
    p.reasoning = std::move(a.reasoning);
    if (!a.problems.empty()) {
      std::string problems = join(a.problems, "; ");
      p.message = p.message.empty() ? problems : p.message + "; " + problems;
    }
  }
  counters.validActions += p.actions.size();
  counters.invalidActions += p.invalid;
  if (p.needsFallback())
    ++counters.fallbacks;
  return p;
}

} // namespace step::llm
