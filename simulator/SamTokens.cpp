//===- SamTokens.cpp - SAM's token notation over step tokens --------------===//
//
// Parsing and printing of SAM token lists, for tests and messages.
//
//===----------------------------------------------------------------------===//

#include "simulator/SamTokens.h"

#include "simulator/Error.h"

#include <cstdio>
#include <cstdlib>

using namespace step::sim;

namespace {
std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos)
    return "";
  size_t e = s.find_last_not_of(" \t\n");
  return s.substr(b, e - b + 1);
}
} // namespace

std::vector<Token> sam::parse(const std::string &text, bool values) {
  std::vector<Token> out;
  bool done = false;
  if (trim(text).empty())
    return out;
  std::vector<std::string> items;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    items.push_back(
        trim(text.substr(start, comma == std::string::npos ? std::string::npos
                                                           : comma - start)));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  for (const std::string &item : items) {
    if (item.empty())
      fail("SAM token list '", text, "': empty item");
    if (done)
      fail("SAM token list '", text, "': tokens after D");
    Token t;
    if (item == "D") {
      done = true;
      continue;
    }
    if (item == "N") {
      t.value = Value::empty();
    } else if (item[0] == 'S') {
      char *end = nullptr;
      long n = std::strtol(item.c_str() + 1, &end, 10);
      if (item.size() < 2 || *end || n < 0)
        fail("SAM token list '", text, "': bad stop '", item, "'");
      t.value = Value::noElement();
      t.stop = static_cast<uint32_t>(n) + 1;
    } else {
      char *end = nullptr;
      double x = std::strtod(item.c_str(), &end);
      if (*end)
        fail("SAM token list '", text, "': bad token '", item, "'");
      if (values) {
        t.value = Value::tile(1, 1, 4);
        t.value.data = std::make_shared<const std::vector<float>>(
            1, static_cast<float>(x));
      } else {
        if (x != static_cast<double>(static_cast<int64_t>(x)))
          fail("SAM token list '", text, "': '", item,
               "' is not an integer coordinate or reference");
        t.value = Value::scalarValue(static_cast<int64_t>(x));
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::string sam::formatElement(const Value &v) {
  switch (v.kind) {
  case Value::Kind::Empty:
    return "N";
  case Value::Kind::Scalar:
    return std::to_string(v.scalar);
  case Value::Kind::Tile:
    if (v.data && v.data->size() == 1) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", (*v.data)[0]);
      return buf;
    }
    return "T";
  default:
    return "?";
  }
}

std::string sam::format(const std::vector<Token> &tokens, bool done) {
  std::string s;
  auto add = [&](const std::string &item) {
    if (!s.empty())
      s += ", ";
    s += item;
  };
  for (const Token &t : tokens) {
    if (t.value.isElement())
      add(formatElement(t.value));
    if (t.stop > 0)
      add("S" + std::to_string(t.stop - 1));
  }
  if (done)
    add("D");
  return s;
}
