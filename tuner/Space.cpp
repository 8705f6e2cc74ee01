//===- Space.cpp - schedule spaces of step-tune ---------------------------===//
//
// Parameters, schedules, the transformation vocabulary and its parser.
//
//===----------------------------------------------------------------------===//

#include "tuner/Space.h"

namespace step::tune {

const char *pressureName(Pressure p) {
  switch (p) {
  case Pressure::OffChip:
    return "off-chip";
  case Pressure::Compute:
    return "compute";
  case Pressure::Stall:
    return "stall";
  case Pressure::OnChipOver:
    return "on-chip-over";
  case Pressure::ComputeOver:
    return "compute-over";
  }
  return "?";
}

int Space::find(const std::string &name) const {
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].name == name)
      return static_cast<int>(i);
  return -1;
}

uint64_t Space::size() const {
  uint64_t n = 1;
  for (const Param &p : params) {
    if (n > (uint64_t(1) << 62) / p.values.size())
      return uint64_t(1) << 62;
    n *= p.values.size();
  }
  return n;
}

std::string Space::key(const Schedule &s) const {
  std::string out;
  for (size_t i = 0; i < params.size(); ++i) {
    if (i)
      out += ' ';
    out += params[i].name + "=" + params[i].values[s[i]];
  }
  return out;
}

std::string Space::text(const Transformation &t) const {
  return params[t.param].name + "=" + params[t.param].values[t.value];
}

std::string Space::text(const std::vector<Transformation> &seq) const {
  std::string out;
  for (size_t i = 0; i < seq.size(); ++i)
    out += (i ? "," : "") + text(seq[i]);
  return out;
}

Schedule Space::apply(Schedule s, const Transformation &t) const {
  s[t.param] = t.value;
  return s;
}

static std::string trim(const std::string &s) {
  size_t b = s.find_first_not_of(" \t\r\n\"'`");
  size_t e = s.find_last_not_of(" \t\r\n\"'`.");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::optional<Transformation>
Space::parseTransformation(const std::string &raw, const Schedule &from,
                           std::string &error) const {
  std::string text = trim(raw);
  if (text.empty()) {
    error = "empty transformation";
    return std::nullopt;
  }
  size_t eq = text.find('=');
  std::string name;
  int step = 0;
  std::string value;
  if (eq != std::string::npos) {
    name = trim(text.substr(0, eq));
    value = trim(text.substr(eq + 1));
  } else if (text.back() == '+' || text.back() == '-') {
    step = text.back() == '+' ? 1 : -1;
    name = trim(text.substr(0, text.size() - 1));
  } else {
    error = "'" + text + "' is neither NAME=VALUE nor NAME+ / NAME-";
    return std::nullopt;
  }
  int p = find(name);
  if (p < 0) {
    error = "unknown parameter '" + name + "'";
    return std::nullopt;
  }
  const Param &param = params[p];
  int v = -1;
  if (step) {
    if (param.kind != Param::Kind::Ordinal) {
      error = "'" + name + "' is categorical: no " + (step > 0 ? "+" : "-");
      return std::nullopt;
    }
    v = from[p] + step;
    if (v < 0 || v >= static_cast<int>(param.values.size())) {
      error = "'" + text + "' leaves the values of '" + name + "'";
      return std::nullopt;
    }
  } else {
    for (size_t i = 0; i < param.values.size(); ++i)
      if (param.values[i] == value)
        v = static_cast<int>(i);
    if (v < 0) {
      error = "'" + value + "' is not a value of '" + name + "'";
      return std::nullopt;
    }
  }
  if (v == from[p]) {
    error = "'" + text + "' changes nothing";
    return std::nullopt;
  }
  return Transformation{p, v};
}

std::vector<Transformation> Space::moves(const Schedule &from) const {
  std::vector<Transformation> out;
  for (size_t p = 0; p < params.size(); ++p)
    for (size_t v = 0; v < params[p].values.size(); ++v)
      if (static_cast<int>(v) != from[p])
        out.push_back({static_cast<int>(p), static_cast<int>(v)});
  return out;
}

std::vector<std::string> Space::vocabulary(const Schedule &from) const {
  std::vector<std::string> out;
  for (size_t p = 0; p < params.size(); ++p) {
    const Param &param = params[p];
    if (param.kind == Param::Kind::Ordinal) {
      if (from[p] + 1 < static_cast<int>(param.values.size()))
        out.push_back(param.name + "+");
      if (from[p] > 0)
        out.push_back(param.name + "-");
    }
    for (size_t v = 0; v < param.values.size(); ++v)
      if (static_cast<int>(v) != from[p])
        out.push_back(param.name + "=" + param.values[v]);
  }
  return out;
}

Schedule Space::random(std::mt19937_64 &rng) const {
  Schedule s(params.size());
  for (size_t p = 0; p < params.size(); ++p)
    s[p] = static_cast<int>(rng() % params[p].values.size());
  return s;
}

std::vector<Transformation> Space::diff(const Schedule &from,
                                        const Schedule &to) const {
  std::vector<Transformation> out;
  for (size_t p = 0; p < params.size(); ++p)
    if (from[p] != to[p])
      out.push_back({static_cast<int>(p), to[p]});
  return out;
}

Schedule Space::decode(uint64_t index) const {
  Schedule s(params.size());
  for (size_t p = params.size(); p-- > 0;) {
    s[p] = static_cast<int>(index % params[p].values.size());
    index /= params[p].values.size();
  }
  return s;
}

} // namespace step::tune
