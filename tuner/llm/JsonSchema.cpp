//===- JsonSchema.cpp - a small JSON Schema checker ----------------------===//
//
// See JsonSchema.h for the supported keywords.
//
//===----------------------------------------------------------------------===//

#include "tuner/llm/JsonSchema.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <vector>

using namespace llvm;

namespace step::llm {
namespace {

std::string show(const json::Value &v) {
  std::string s;
  raw_string_ostream os(s);
  os << v;
  os.flush();
  if (s.size() > 60)
    s = s.substr(0, 57) + "...";
  return s;
}

bool hasType(const json::Value &v, StringRef type) {
  if (type == "null")
    return v.kind() == json::Value::Null;
  if (type == "boolean")
    return v.kind() == json::Value::Boolean;
  if (type == "string")
    return v.kind() == json::Value::String;
  if (type == "array")
    return v.kind() == json::Value::Array;
  if (type == "object")
    return v.kind() == json::Value::Object;
  if (type == "number")
    return v.kind() == json::Value::Number;
  if (type == "integer")
    return v.kind() == json::Value::Number && v.getAsInteger().has_value();
  return false;
}

std::optional<std::string> check(const json::Value &v, const json::Value &s,
                                 const std::string &path) {
  const json::Object *schema = s.getAsObject();
  if (!schema) {
    // `true` accepts everything, `false` nothing.
    if (std::optional<bool> b = s.getAsBoolean(); b && !*b)
      return path + ": no value is allowed here";
    return std::nullopt;
  }

  if (const json::Value *type = schema->get("type")) {
    bool ok = false;
    std::string names;
    if (std::optional<StringRef> one = type->getAsString()) {
      ok = hasType(v, *one);
      names = one->str();
    } else if (const json::Array *many = type->getAsArray()) {
      for (const json::Value &t : *many)
        if (std::optional<StringRef> name = t.getAsString()) {
          ok |= hasType(v, *name);
          names += (names.empty() ? "" : " or ") + name->str();
        }
    }
    if (!ok)
      return formatv("{0}: expected {1}, got {2}", path, names, show(v)).str();
  }

  if (const json::Array *choices = schema->getArray("enum")) {
    bool found = false;
    for (const json::Value &c : *choices)
      found |= c == v;
    if (!found)
      return formatv("{0}: {1} is not one of the allowed values", path, show(v))
          .str();
  }
  if (const json::Value *c = schema->get("const"); c && !(*c == v))
    return formatv("{0}: expected {1}, got {2}", path, show(*c), show(v)).str();

  if (std::optional<double> d = v.getAsNumber()) {
    if (std::optional<double> lo = schema->getNumber("minimum"); lo && *d < *lo)
      return formatv("{0}: {1} is below the minimum {2}", path, show(v),
                     show(*schema->get("minimum")))
          .str();
    if (std::optional<double> hi = schema->getNumber("maximum"); hi && *d > *hi)
      return formatv("{0}: {1} is above the maximum {2}", path, show(v),
                     show(*schema->get("maximum")))
          .str();
  }

  if (std::optional<StringRef> str = v.getAsString()) {
    if (std::optional<int64_t> lo = schema->getInteger("minLength");
        lo && int64_t(str->size()) < *lo)
      return formatv("{0}: string shorter than {1}", path, *lo).str();
    if (std::optional<int64_t> hi = schema->getInteger("maxLength");
        hi && int64_t(str->size()) > *hi)
      return formatv("{0}: string longer than {1}", path, *hi).str();
  }

  if (const json::Array *arr = v.getAsArray()) {
    if (std::optional<int64_t> lo = schema->getInteger("minItems");
        lo && int64_t(arr->size()) < *lo)
      return formatv("{0}: {1} items, at least {2} required", path, arr->size(),
                     *lo)
          .str();
    if (std::optional<int64_t> hi = schema->getInteger("maxItems");
        hi && int64_t(arr->size()) > *hi)
      return formatv("{0}: {1} items, at most {2} allowed", path, arr->size(),
                     *hi)
          .str();
    if (const json::Value *items = schema->get("items"))
      for (size_t i = 0; i < arr->size(); ++i)
        if (auto err = check((*arr)[i], *items, formatv("{0}[{1}]", path, i)))
          return err;
  }

  if (const json::Object *obj = v.getAsObject()) {
    const json::Object *props = schema->getObject("properties");
    // Check properties in sorted order so the first violation reported does
    // not depend on hash-table order, those fixed by an enum or const
    // first: they tell the alternatives of an anyOf apart, so a wrong
    // action name is reported as such rather than as its missing arguments.
    auto fixedValue = [&](StringRef key) {
      const json::Object *p = props ? props->getObject(key) : nullptr;
      return p && (p->get("enum") || p->get("const"));
    };
    std::vector<const json::Object::value_type *> order =
        json::sortedElements(*obj);
    std::stable_partition(order.begin(), order.end(),
                          [&](const json::Object::value_type *kv) {
                            return fixedValue(kv->first);
                          });
    for (const json::Object::value_type *kv : order) {
      std::string sub = path + "." + kv->first.str();
      const json::Value *propSchema = props ? props->get(kv->first) : nullptr;
      if (propSchema) {
        if (auto err = check(kv->second, *propSchema, sub))
          return err;
        continue;
      }
      if (const json::Value *extra = schema->get("additionalProperties")) {
        if (std::optional<bool> allowed = extra->getAsBoolean()) {
          if (!*allowed)
            return formatv("{0}: unexpected property \"{1}\"", path, kv->first)
                .str();
        } else if (auto err = check(kv->second, *extra, sub)) {
          return err;
        }
      }
    }
    if (const json::Array *required = schema->getArray("required"))
      for (const json::Value &r : *required)
        if (std::optional<StringRef> name = r.getAsString();
            name && !obj->get(*name))
          return formatv("{0}: missing required property \"{1}\"", path, *name)
              .str();
  }

  if (const json::Array *any = schema->getArray("anyOf")) {
    // Report the alternative `v` names through its enum or const properties
    // (for an item of the answer schema: the action named), else the one
    // that got furthest (the longest path to its violation).
    auto named = [&](const json::Value &alt) {
      const json::Object *a = alt.getAsObject();
      const json::Object *props = a ? a->getObject("properties") : nullptr;
      const json::Object *obj = v.getAsObject();
      if (!props || !obj)
        return false;
      bool found = false;
      for (const auto &[key, sub] : *props) {
        const json::Object *p = sub.getAsObject();
        const json::Value *got = obj->get(key);
        if (!p || !(p->get("enum") || p->get("const")) || !got)
          continue;
        if (check(*got, sub, path))
          return false;
        found = true;
      }
      return found;
    };
    std::optional<std::string> chosen, deepest;
    bool matched = false;
    auto depth = [](const std::string &e) { return e.find(": "); };
    for (const json::Value &alt : *any) {
      std::optional<std::string> err = check(v, alt, path);
      if (!err) {
        matched = true;
        break;
      }
      if (!chosen && named(alt))
        chosen = err;
      if (!deepest || depth(*err) > depth(*deepest))
        deepest = err;
    }
    if (!matched && !any->empty())
      return formatv("{0}: matches none of the {1} alternatives (closest: "
                     "{2})",
                     path, any->size(), chosen ? *chosen : *deepest)
          .str();
  }
  if (const json::Array *one = schema->getArray("oneOf")) {
    unsigned matches = 0;
    for (const json::Value &alt : *one)
      matches += !check(v, alt, path);
    if (matches != 1 && !one->empty())
      return formatv("{0}: matches {1} of the oneOf alternatives, not 1", path,
                     matches)
          .str();
  }
  return std::nullopt;
}

} // namespace

std::optional<std::string> checkJsonSchema(const json::Value &value,
                                           const json::Value &schema) {
  return check(value, schema, "$");
}

} // namespace step::llm
