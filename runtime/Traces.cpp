//===- Traces.cpp - expert-routing and KV-length traces -------------------===//
//
// The readers check a whole file before returning anything, so a trace that
// binds is a trace that is well formed everywhere, not just in the rows one
// run happened to use.
//
//===----------------------------------------------------------------------===//

#include "runtime/Traces.h"

#include "runtime/Tensors.h"
#include "simulator/Error.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

using namespace step;
using sim::fail;

namespace {

/// A CSV file split into lines (CRLF or LF; the last line may lack its
/// newline). Trailing blank lines are dropped; lines[0] is line 1.
struct Lines {
  std::string path;
  std::vector<std::string> lines;
};

Lines readLines(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail(path, ": cannot open");
  Lines f{path, {}};
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    f.lines.push_back(line);
  }
  if (in.bad())
    fail(path, ": read failed");
  while (!f.lines.empty() &&
         f.lines.back().find_first_not_of(" \t") == std::string::npos)
    f.lines.pop_back();
  return f;
}

std::vector<std::string> splitCells(const std::string &line) {
  std::vector<std::string> cells;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    cells.push_back(line.substr(start, comma - start));
    if (comma == std::string::npos)
      return cells;
    start = comma + 1;
  }
}

/// The cells of data line `lineNo` (1-based), which must have `columns`.
std::vector<std::string> dataCells(const Lines &f, size_t lineNo,
                                   size_t columns) {
  const std::string &line = f.lines[lineNo - 1];
  if (line.find_first_not_of(" \t") == std::string::npos)
    fail(f.path, ":", lineNo, ": empty line");
  std::vector<std::string> cells = splitCells(line);
  if (cells.size() != columns)
    fail(f.path, ":", lineNo, ": expected ", columns, " columns, got ",
         cells.size());
  return cells;
}

/// A decimal integer and nothing else (no blanks, no '+', no overflow).
bool parseInt(const std::string &cell, int64_t &out) {
  const char *end = cell.data() + cell.size();
  auto [ptr, ec] = std::from_chars(cell.data(), end, out);
  return ec == std::errc() && ptr == end && !cell.empty();
}

int64_t intCell(const Lines &f, size_t lineNo, const std::string &column,
                const std::string &cell, int64_t min = INT64_MIN) {
  int64_t v;
  if (!parseInt(cell, v))
    fail(f.path, ":", lineNo, ": column '", column, "': '", cell,
         "' is not an integer");
  if (v < min)
    fail(f.path, ":", lineNo, ": column '", column, "': ", v, " is below ",
         min);
  return v;
}

std::string join(const std::vector<std::string> &items) {
  std::string s;
  for (const std::string &i : items)
    s += (s.empty() ? "" : ", ") + i;
  return s;
}
std::string join(const std::set<std::string> &items) {
  return join(std::vector<std::string>(items.begin(), items.end()));
}
std::string join(const std::set<int64_t> &items) {
  std::vector<std::string> s;
  for (int64_t i : items)
    s.push_back(std::to_string(i));
  return join(s);
}

sim::Tensor intVector(std::vector<int64_t> values) {
  sim::Tensor t;
  t.isInteger = true;
  t.shape = {static_cast<int64_t>(values.size())};
  t.ints = std::move(values);
  return t;
}

} // namespace

//===----------------------------------------------------------------------===//
// Routing traces
//===----------------------------------------------------------------------===//

sim::Tensor runtime::loadRoutingCsv(const std::string &path, int64_t experts,
                                    int64_t topk) {
  if (experts < 1)
    fail(path, ": the model's number of experts must be positive, got ",
         experts);
  Lines f = readLines(path);
  if (f.lines.empty())
    fail(path, ": empty file (expected the header "
               "'token,expert_0,...,expert_{k-1}' and one row per token)");
  std::vector<std::string> header = splitCells(f.lines[0]);
  bool good = header.size() >= 2 && header[0] == "token";
  for (size_t j = 1; good && j < header.size(); ++j)
    good = header[j] == "expert_" + std::to_string(j - 1);
  if (!good)
    fail(path,
         ":1: expected the header 'token,expert_0,...,expert_{k-1}', "
         "got '",
         f.lines[0], "'");
  int64_t k = static_cast<int64_t>(header.size()) - 1;
  if (topk > 0 && k != topk)
    fail(path, ":1: the trace routes each token to ", k,
         " experts, but the model's top-k is ", topk);
  if (k > experts)
    fail(path, ":1: the trace routes each token to ", k,
         " distinct experts, but the model has ", experts);
  if (f.lines.size() == 1)
    fail(path, ": no data rows after the header");

  sim::Tensor t;
  t.isInteger = true;
  int64_t tokens = static_cast<int64_t>(f.lines.size()) - 1;
  t.shape = {tokens, k};
  t.ints.reserve(static_cast<size_t>(tokens * k));
  std::vector<int64_t> sorted;
  for (int64_t tok = 0; tok < tokens; ++tok) {
    size_t lineNo = static_cast<size_t>(tok) + 2;
    std::vector<std::string> cells = dataCells(f, lineNo, header.size());
    int64_t id = intCell(f, lineNo, "token", cells[0]);
    if (id != tok)
      fail(path, ":", lineNo, ": token ", id, " is out of order: expected ",
           tok, " (tokens are numbered 0, 1, ... in file order)");
    for (int64_t j = 0; j < k; ++j) {
      int64_t e = intCell(f, lineNo, header[j + 1], cells[j + 1]);
      if (e < 0 || e >= experts)
        fail(path, ":", lineNo, ": expert ", e, " is outside [0, ", experts,
             ")");
      t.ints.push_back(e);
    }
    sorted.assign(t.ints.end() - k, t.ints.end());
    std::sort(sorted.begin(), sorted.end());
    auto dup = std::adjacent_find(sorted.begin(), sorted.end());
    if (dup != sorted.end())
      fail(path, ":", lineNo, ": expert ", *dup, " appears twice in token ",
           tok, "'s row");
  }
  return t;
}

void runtime::writeRoutingCsv(const std::string &path,
                              const sim::Tensor &routing) {
  if (!routing.isInteger || routing.shape.size() != 2 || routing.shape[0] < 1 ||
      routing.shape[1] < 1 ||
      static_cast<int64_t>(routing.ints.size()) != routing.numElements())
    fail(path, ": a routing trace is a non-empty integer tensor [tokens, k]");
  int64_t tokens = routing.shape[0], k = routing.shape[1];
  std::ostringstream os;
  os << "token";
  for (int64_t j = 0; j < k; ++j)
    os << ",expert_" << j;
  os << "\n";
  for (int64_t t = 0; t < tokens; ++t) {
    os << t;
    for (int64_t j = 0; j < k; ++j)
      os << "," << routing.ints[static_cast<size_t>(t * k + j)];
    os << "\n";
  }
  writeFileAtomic(path, os.str(), /*overwrite=*/false);
}

//===----------------------------------------------------------------------===//
// Expert counts and the sampler
//===----------------------------------------------------------------------===//

namespace {
const char *olmoeHeader =
    "source_folder,model,num_experts,top_k,domain,variant,layer,expert,count";
const char *fiddlerHeader =
    "model_variant,mmlu_subject,total_input_tokens,layer,expert,count";
} // namespace

runtime::ExpertCounts runtime::loadExpertCounts(const std::string &path,
                                                int64_t layer,
                                                const CountsSelector &select) {
  Lines f = readLines(path);
  if (f.lines.empty())
    fail(path, ": empty file (expected an expert-count table)");
  bool olmoe = f.lines[0] == olmoeHeader;
  if (!olmoe && f.lines[0] != fiddlerHeader)
    fail(path, ":1: not an expert-count file: expected the header '",
         olmoeHeader, "' (OLMoE) or '", fiddlerHeader, "' (Fiddler), got '",
         f.lines[0], "'");
  std::vector<std::string> header = splitCells(f.lines[0]);
  size_t columns = header.size();
  auto col = [&](const char *name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) -
                               header.begin());
  };
  size_t layerCol = col("layer"), expertCol = col("expert"),
         countCol = col("count");
  size_t domainCol = olmoe ? col("domain") : col("mmlu_subject");

  struct Row {
    size_t line;
    std::string modelKey, modelName, domain;
    int64_t layer, expert, count, experts, topk;
  };
  std::vector<Row> rows;
  // Every row is checked, whether or not it is selected.
  for (size_t lineNo = 2; lineNo <= f.lines.size(); ++lineNo) {
    std::vector<std::string> c = dataCells(f, lineNo, columns);
    Row r{lineNo, c[0], olmoe ? c[1] : c[0], c[domainCol], 0, 0, 0, 0, 0};
    r.layer = intCell(f, lineNo, "layer", c[layerCol], 0);
    r.expert = intCell(f, lineNo, "expert", c[expertCol], 0);
    r.count = intCell(f, lineNo, "count", c[countCol], 0);
    if (olmoe) {
      r.experts = intCell(f, lineNo, "num_experts", c[2], 1);
      r.topk = intCell(f, lineNo, "top_k", c[3], 1);
      if (r.expert >= r.experts)
        fail(path, ":", lineNo, ": expert ", r.expert, " is outside [0, ",
             r.experts, ")");
      if (c[5] != "topk" && c[5] != "top1")
        fail(path, ":", lineNo, ": variant '", c[5],
             "' is neither 'topk' nor 'top1'");
      if (c[5] != "topk")
        continue; // top1 counts only the first choice of each token
    } else {
      intCell(f, lineNo, "total_input_tokens", c[2], 0);
    }
    rows.push_back(std::move(r));
  }

  auto matchesModel = [&](const Row &r) {
    if (select.model.empty())
      return true;
    // OLMoE rows also name the model in full (`Mixtral-8x7B-v0.1`).
    return r.modelKey == select.model || r.modelName == select.model;
  };
  std::set<std::string> models, domains;
  std::set<int64_t> layers;
  for (const Row &r : rows) {
    models.insert(r.modelKey);
    if (matchesModel(r)) {
      domains.insert(r.domain);
      layers.insert(r.layer);
    }
  }
  if (f.lines.size() == 1)
    fail(path, ": no data rows after the header");
  if (rows.empty())
    fail(path, ": no 'topk' rows (the sampler needs every choice counted)");
  if (!select.model.empty() && domains.empty())
    fail(path, ": no model '", select.model, "' (the file has ", join(models),
         ")");
  if (select.model.empty() && models.size() > 1)
    fail(path, ": holds several models (", join(models),
         "); choose one with --model");
  if (!select.domain.empty() && !domains.count(select.domain))
    fail(path, ": no domain '", select.domain,
         "' for this model (the file has ", join(domains), ")");
  if (!layers.count(layer))
    fail(path, ": no counts for layer ", layer,
         " of this model (the file has layers ", join(layers), ")");

  ExpertCounts out;
  std::map<std::tuple<std::string, std::string, int64_t>, size_t> seen;
  std::vector<const Row *> used;
  for (const Row &r : rows) {
    if (!matchesModel(r) || r.layer != layer ||
        (!select.domain.empty() && r.domain != select.domain))
      continue;
    auto [it, fresh] =
        seen.emplace(std::make_tuple(r.modelKey, r.domain, r.expert), r.line);
    if (!fresh)
      fail(path, ":", r.line, ": a second count for expert ", r.expert,
           " of layer ", layer, " (model ", r.modelKey, ", domain ", r.domain,
           "); the first is on line ", it->second);
    if (olmoe) {
      if (used.empty()) {
        out.experts = r.experts;
        out.fileTopk = r.topk;
      } else if (r.experts != out.experts || r.topk != out.fileTopk) {
        fail(path, ":", r.line, ": num_experts ", r.experts, ", top_k ", r.topk,
             " disagree with line ", used.front()->line, " (", out.experts,
             ", ", out.fileTopk, ")");
      }
    } else {
      // Fiddler's files are all Mixtral-8x7B (8 experts, top-2); the file
      // does not say, and its expert ids give only a lower bound.
      out.experts = std::max<int64_t>(8, std::max(out.experts, r.expert + 1));
      out.fileTopk = 2;
    }
    used.push_back(&r);
  }
  out.model = used.front()->modelKey;
  out.count.assign(static_cast<size_t>(out.experts), 0);
  for (const Row *r : used) {
    int64_t &c = out.count[static_cast<size_t>(r->expert)];
    if (c > INT64_MAX - r->count)
      fail(path, ":", r->line, ": the counts of expert ", r->expert,
           " overflow");
    c += r->count;
  }
  return out;
}

namespace {
/// Uniform in [0, n) by rejection: exact, and the same on every platform
/// (std::uniform_int_distribution is implementation-defined).
uint64_t uniformBelow(std::mt19937_64 &rng, uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do
    x = rng();
  while (x >= limit);
  return x % n;
}
/// Uniform in [0, 1) with 53 random bits.
double uniform01(std::mt19937_64 &rng) {
  return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
}
} // namespace

// Each token must choose k distinct experts with expert e chosen with
// probability pi_e = k * count_e / sum(count) (capped at 1, the excess spread
// over the rest in proportion), because a top-k count file counts each token
// k times. Drawing k times in sequence without replacement would flatten
// the popular experts toward uniform, so this uses systematic sampling with
// unequal probabilities (Madow 1949) over a fresh random order per token:
// lay the pi_e end to end on [0, k), draw u in [0, 1), take the experts
// under u, u+1, ..., u+k-1. Each pi_e <= 1, so no expert is hit twice, and
// P(e chosen) = pi_e exactly.
sim::Tensor runtime::sampleRouting(const ExpertCounts &counts, int64_t tokens,
                                   int64_t topk, uint64_t seed) {
  if (tokens < 1)
    fail("cannot sample routing: the number of tokens must be positive, got ",
         tokens);
  if (topk < 1)
    fail("cannot sample routing: top-k must be positive, got ", topk);
  std::vector<int64_t> active;
  for (size_t e = 0; e < counts.count.size(); ++e)
    if (counts.count[e] > 0)
      active.push_back(static_cast<int64_t>(e));
  if (static_cast<int64_t>(active.size()) < topk)
    fail("cannot sample routing: only ", active.size(), " of ",
         counts.count.size(), " experts have a non-zero count; cannot choose ",
         topk, " distinct experts per token");

  size_t n = counts.count.size();
  std::vector<double> pi(n, 0.0);
  std::vector<bool> capped(n, false);
  int64_t left = topk;
  while (left > 0) {
    double total = 0;
    for (int64_t e : active)
      if (!capped[e])
        total += static_cast<double>(counts.count[e]);
    bool newlyCapped = false;
    for (int64_t e : active) {
      if (capped[e])
        continue;
      pi[e] = static_cast<double>(left) * static_cast<double>(counts.count[e]) /
              total;
      if (pi[e] >= 1.0)
        newlyCapped = true;
    }
    if (!newlyCapped)
      break;
    for (int64_t e : active)
      if (!capped[e] && pi[e] >= 1.0) {
        capped[e] = true;
        pi[e] = 1.0;
        --left;
      }
  }

  std::mt19937_64 rng(seed);
  sim::Tensor t;
  t.isInteger = true;
  t.shape = {tokens, topk};
  t.ints.reserve(static_cast<size_t>(tokens * topk));
  std::vector<int64_t> order = active, row;
  std::vector<bool> chosen(n, false);
  for (int64_t tok = 0; tok < tokens; ++tok) {
    for (size_t i = order.size() - 1; i > 0; --i)
      std::swap(order[i], order[uniformBelow(rng, i + 1)]);
    double u = uniform01(rng);
    row.clear();
    double cum = 0;
    int64_t j = 0;
    for (size_t i = 0; i < order.size() && j < topk; ++i) {
      int64_t e = order[i];
      // The last interval ends at k exactly, whatever the rounding.
      cum = i + 1 == order.size() ? static_cast<double>(topk) : cum + pi[e];
      for (; j < topk && u + static_cast<double>(j) < cum; ++j)
        if (!chosen[e]) {
          chosen[e] = true;
          row.push_back(e);
        }
    }
    // Rounding can (very rarely) land two points in one interval: fill up
    // with the most likely experts not yet chosen, in the drawn order.
    while (static_cast<int64_t>(row.size()) < topk) {
      int64_t best = -1;
      for (int64_t e : order)
        if (!chosen[e] && (best < 0 || pi[e] > pi[best]))
          best = e;
      chosen[best] = true;
      row.push_back(best);
    }
    for (int64_t e : row) {
      chosen[e] = false;
      t.ints.push_back(e);
    }
  }
  return t;
}

sim::Tensor runtime::sampleRouting(const std::string &countsFile, int64_t layer,
                                   int64_t tokens, int64_t topk, uint64_t seed,
                                   const CountsSelector &select) {
  ExpertCounts counts = loadExpertCounts(countsFile, layer, select);
  if (counts.fileTopk > 0 && topk != counts.fileTopk)
    fail(countsFile, ": model ", counts.model, " routes each token to ",
         counts.fileTopk, " experts; asked for top-", topk);
  try {
    return sampleRouting(counts, tokens, topk, seed);
  } catch (const sim::InputError &e) {
    fail(countsFile, ", layer ", layer, ": ", e.what());
  }
}

//===----------------------------------------------------------------------===//
// KV-cache lengths
//===----------------------------------------------------------------------===//

namespace {
const char *azureHeader = "TIMESTAMP,ContextTokens,GeneratedTokens";
const char *batchHeader =
    "batch_id,batch_size,step_fig11_class,first_data_row,last_data_row,"
    "step_stdev_label,slot,kv_len_context_tokens,azure_timestamp";

struct KvBatch {
  std::string id;
  size_t line = 0; ///< of its first row
  int64_t size = 0, firstRow = 0, lastRow = 0;
  std::vector<int64_t> lengths;
};

/// Reads and checks every batch of a STeP batch file.
std::vector<KvBatch> readKvBatches(const std::string &path) {
  Lines f = readLines(path);
  if (f.lines.empty())
    fail(path, ": empty file (expected the header '", batchHeader, "')");
  if (f.lines[0] != batchHeader)
    fail(path, ":1: expected the header '", batchHeader, "', got '", f.lines[0],
         "'");
  if (f.lines.size() == 1)
    fail(path, ": no data rows after the header");
  std::vector<KvBatch> batches;
  std::set<std::string> done;
  auto finish = [&](const KvBatch &b) {
    if (static_cast<int64_t>(b.lengths.size()) != b.size)
      fail(path, ":", b.line, ": batch ", b.id, " has ", b.lengths.size(),
           " rows, but its batch_size is ", b.size);
  };
  for (size_t lineNo = 2; lineNo <= f.lines.size(); ++lineNo) {
    std::vector<std::string> c = dataCells(f, lineNo, 9);
    int64_t size = intCell(f, lineNo, "batch_size", c[1], 1);
    int64_t first = intCell(f, lineNo, "first_data_row", c[3], 1);
    int64_t last = intCell(f, lineNo, "last_data_row", c[4], 1);
    intCell(f, lineNo, "step_stdev_label", c[5], 0);
    int64_t slot = intCell(f, lineNo, "slot", c[6], 0);
    int64_t kv = intCell(f, lineNo, "kv_len_context_tokens", c[7], 0);
    if (c[0].empty())
      fail(path, ":", lineNo, ": empty batch_id");
    if (batches.empty() || batches.back().id != c[0]) {
      if (!batches.empty())
        finish(batches.back());
      if (!done.insert(c[0]).second)
        fail(path, ":", lineNo, ": batch ", c[0],
             " continues after other batches (its rows must be together)");
      if (last - first + 1 != size)
        fail(path, ":", lineNo, ": rows ", first, "..", last, " of batch ",
             c[0], " are not batch_size ", size, " rows");
      batches.push_back({c[0], lineNo, size, first, last, {}});
    }
    KvBatch &b = batches.back();
    if (size != b.size || first != b.firstRow || last != b.lastRow)
      fail(path, ":", lineNo,
           ": batch_size, first_data_row or last_data_row "
           "differ from line ",
           b.line, " of batch ", b.id);
    if (slot != static_cast<int64_t>(b.lengths.size()))
      fail(path, ":", lineNo, ": slot ", slot, " of batch ", b.id,
           " is out of order: expected ", b.lengths.size());
    b.lengths.push_back(kv);
  }
  finish(batches.back());
  return batches;
}
} // namespace

sim::Tensor runtime::loadAzureKvLengths(const std::string &path,
                                        int64_t firstRow, int64_t lastRow) {
  if (firstRow < 1 || lastRow < firstRow)
    fail(path, ": bad row range ", firstRow, ":", lastRow,
         " (data rows are numbered from 1, the first <= the last)");
  Lines f = readLines(path);
  if (f.lines.empty())
    fail(path, ": empty file (expected the header '", azureHeader, "')");
  if (f.lines[0] != azureHeader)
    fail(path, ":1: expected the header '", azureHeader, "', got '", f.lines[0],
         "'");
  int64_t dataRows = static_cast<int64_t>(f.lines.size()) - 1;
  if (dataRows == 0)
    fail(path, ": no data rows after the header");
  std::vector<int64_t> lengths;
  for (size_t lineNo = 2; lineNo <= f.lines.size(); ++lineNo) {
    std::vector<std::string> c = dataCells(f, lineNo, 3);
    if (c[0].empty())
      fail(path, ":", lineNo, ": empty TIMESTAMP");
    int64_t context = intCell(f, lineNo, "ContextTokens", c[1], 0);
    intCell(f, lineNo, "GeneratedTokens", c[2], 0);
    int64_t row = static_cast<int64_t>(lineNo) - 1;
    if (row >= firstRow && row <= lastRow)
      lengths.push_back(context);
  }
  if (lastRow > dataRows)
    fail(path, ": rows ", firstRow, ":", lastRow,
         " are outside the file, which has ", dataRows, " data rows");
  return intVector(std::move(lengths));
}

sim::Tensor runtime::loadKvBatch(const std::string &path,
                                 const std::string &batchId) {
  std::vector<KvBatch> batches = readKvBatches(path);
  std::vector<std::string> ids;
  for (KvBatch &b : batches) {
    if (b.id == batchId)
      return intVector(std::move(b.lengths));
    ids.push_back(b.id);
  }
  fail(path, ": no batch '", batchId, "' (the file has ", join(ids), ")");
}

std::vector<std::string> runtime::listKvBatches(const std::string &path) {
  std::vector<std::string> ids;
  for (const KvBatch &b : readKvBatches(path))
    ids.push_back(b.id);
  return ids;
}
