//===- TracesTest.cpp - routing and KV-length trace readers ---------------===//
//
// Every rejection of the trace readers with its exact message (file and
// line), the sampler's determinism and frequencies, and the KV lengths of
// the real traces in data/traces against values STeP reports.
//
//===----------------------------------------------------------------------===//

#include "runtime/Traces.h"
#include "runtime/Tensors.h"
#include "simulator/Error.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <functional>
#include <numeric>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace step;

namespace {

const std::string traces = std::string(STEP_SOURCE_DIR) + "/data/traces/";
const std::string azureFile = traces + "AzureLLMInferenceTrace_conv.csv";
const std::string batchFile = traces + "step_kv_batches_azure2023_conv.csv";
const std::string olmoeFile = traces + "olmoe_repo_routing_expert_counts.csv";
const std::string fiddlerFile =
    traces + "fiddler_mixtral_expert_popularity_mmlu.csv";

/// A fresh directory per test for the files it writes.
class TracesTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "step-traces-XXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    ASSERT_NE(::mkdtemp(name.data()), nullptr);
    dir = name.data();
  }
  void TearDown() override {
    for (const std::string &f : files())
      ::unlink((dir + "/" + f).c_str());
    ::rmdir(dir.c_str());
  }
  std::string write(const std::string &name, const std::string &text) {
    std::string path = dir + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::set<std::string> files() const {
    std::set<std::string> out;
    if (DIR *d = ::opendir(dir.c_str())) {
      while (dirent *e = ::readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
          out.insert(e->d_name);
      ::closedir(d);
    }
    return out;
  }
  std::string dir;
};

/// The InputError message of `f`, or "" if it does not throw one.
std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const sim::InputError &e) {
    return e.what();
  }
  return "";
}

std::string routingError(const std::string &path, int64_t experts = 8,
                         int64_t topk = 2) {
  return errorOf([&] { runtime::loadRoutingCsv(path, experts, topk); });
}

/// The first prefix.size() characters of `message`.
std::string head(const std::string &message, const std::string &prefix) {
  return message.substr(0, prefix.size());
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

//===----------------------------------------------------------------------===//
// Routing traces
//===----------------------------------------------------------------------===//

TEST_F(TracesTest, RoutingReadsTokensInOrder) {
  // CRLF line ends, no final newline, trailing blank lines: all accepted.
  std::string p =
      write("r.csv", "token,expert_0,expert_1\r\n0,3,5\r\n1,7,0\r\n2,1,2");
  sim::Tensor t = runtime::loadRoutingCsv(p, 8, 2);
  EXPECT_TRUE(t.isInteger);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(t.ints, (std::vector<int64_t>{3, 5, 7, 0, 1, 2}));
  p = write("s.csv", "token,expert_0\n0,3\n1,7\n\n\n");
  // topk 0: whatever k the file has.
  EXPECT_EQ(runtime::loadRoutingCsv(p, 8, 0).shape,
            (std::vector<int64_t>{2, 1}));
}

TEST_F(TracesTest, RoutingRejectsAMissingOrEmptyFile) {
  EXPECT_EQ(routingError(dir + "/none.csv"), dir + "/none.csv: cannot open");
  std::string p = write("empty.csv", "");
  EXPECT_EQ(routingError(p),
            p + ": empty file (expected the header "
                "'token,expert_0,...,expert_{k-1}' and one row per token)");
  p = write("blank.csv", "\n\n");
  EXPECT_EQ(head(routingError(p), p + ": empty file"), p + ": empty file");
  p = write("header.csv", "token,expert_0,expert_1\n");
  EXPECT_EQ(routingError(p), p + ": no data rows after the header");
}

TEST_F(TracesTest, RoutingRejectsAWrongHeader) {
  for (const char *header :
       {"tok,expert_0,expert_1", "token,expert_1,expert_0", "token",
        "token,expert_0,expert_1,", " token,expert_0,expert_1", "0,1,2"}) {
    std::string p = write("h.csv", std::string(header) + "\n0,1,2\n");
    EXPECT_EQ(routingError(p, 8, 0),
              p +
                  ":1: expected the header 'token,expert_0,...,expert_{k-1}', "
                  "got '" +
                  header + "'");
  }
}

TEST_F(TracesTest, RoutingRejectsATopKOtherThanTheModels) {
  std::string p = write("k.csv", "token,expert_0,expert_1,expert_2\n0,1,2,3\n");
  EXPECT_EQ(routingError(p, 8, 2),
            p + ":1: the trace routes each token to 3 experts, but the "
                "model's top-k is 2");
  EXPECT_EQ(routingError(p, 2, 0),
            p + ":1: the trace routes each token to 3 distinct experts, but "
                "the model has 2");
  EXPECT_EQ(routingError(p, 0, 0),
            p + ": the model's number of experts must be positive, got 0");
}

TEST_F(TracesTest, RoutingRejectsAWrongNumberOfColumns) {
  std::string p = write("c.csv", "token,expert_0,expert_1\n0,1,2\n1,3\n");
  EXPECT_EQ(routingError(p), p + ":3: expected 3 columns, got 2");
  p = write("c2.csv", "token,expert_0,expert_1\n0,1,2,\n");
  EXPECT_EQ(routingError(p), p + ":2: expected 3 columns, got 4");
  p = write("c3.csv", "token,expert_0,expert_1\n0,1,2\n\n1,3,4\n");
  EXPECT_EQ(routingError(p), p + ":3: empty line");
}

TEST_F(TracesTest, RoutingRejectsANonIntegerCell) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0,1, x", ":2: column 'expert_1': ' x' is not an integer"},
      {"0,1.5,2", ":2: column 'expert_0': '1.5' is not an integer"},
      {"0,,2", ":2: column 'expert_0': '' is not an integer"},
      {"0,1,2 ", ":2: column 'expert_1': '2 ' is not an integer"},
      {"a,1,2", ":2: column 'token': 'a' is not an integer"},
      {"0,99999999999999999999,2",
       ":2: column 'expert_0': '99999999999999999999' is not an integer"}};
  for (const auto &[row, message] : cases) {
    std::string p = write("n.csv", "token,expert_0,expert_1\n" + row + "\n");
    EXPECT_EQ(routingError(p), p + message) << row;
  }
}

TEST_F(TracesTest, RoutingRejectsTokensOutOfOrder) {
  std::string p = write("o.csv", "token,expert_0\n0,1\n2,3\n1,4\n");
  EXPECT_EQ(routingError(p, 8, 1),
            p + ":3: token 2 is out of order: expected 1 (tokens are "
                "numbered 0, 1, ... in file order)");
  p = write("o1.csv", "token,expert_0\n1,1\n");
  EXPECT_EQ(routingError(p, 8, 1),
            p + ":2: token 1 is out of order: expected 0 (tokens are "
                "numbered 0, 1, ... in file order)");
}

TEST_F(TracesTest, RoutingRejectsAnExpertOutOfRange) {
  std::string p = write("e.csv", "token,expert_0,expert_1\n0,1,2\n1,8,2\n");
  EXPECT_EQ(routingError(p), p + ":3: expert 8 is outside [0, 8)");
  p = write("e2.csv", "token,expert_0,expert_1\n0,-1,2\n");
  EXPECT_EQ(routingError(p), p + ":2: expert -1 is outside [0, 8)");
  EXPECT_EQ(
      routingError(write("e3.csv", "token,expert_0,expert_1\n0,6,7\n"), 7, 2),
      dir + "/e3.csv:2: expert 7 is outside [0, 7)");
}

TEST_F(TracesTest, RoutingRejectsADuplicateExpert) {
  std::string p =
      write("d.csv", "token,expert_0,expert_1,expert_2\n0,1,2,3\n1,5,0,5\n");
  EXPECT_EQ(routingError(p, 8, 3),
            p + ":3: expert 5 appears twice in token 1's row");
}

TEST_F(TracesTest, RoutingRoundTripsAndIsNeverOverwritten) {
  sim::Tensor t;
  t.isInteger = true;
  t.shape = {3, 2};
  t.ints = {0, 7, 3, 1, 6, 2};
  std::string p = dir + "/w.csv";
  runtime::writeRoutingCsv(p, t);
  EXPECT_EQ(readFile(p), "token,expert_0,expert_1\n0,0,7\n1,3,1\n2,6,2\n");
  EXPECT_EQ(runtime::loadRoutingCsv(p, 8, 2).ints, t.ints);
  t.ints = {1, 2, 3, 4, 5, 6};
  EXPECT_EQ(errorOf([&] { runtime::writeRoutingCsv(p, t); }),
            p + ": exists; refusing to overwrite it");
  EXPECT_EQ(readFile(p), "token,expert_0,expert_1\n0,0,7\n1,3,1\n2,6,2\n");
  // No temporary file is left behind, on success or refusal.
  EXPECT_EQ(files(), std::set<std::string>{"w.csv"});
  sim::Tensor flat = t;
  flat.shape = {6};
  EXPECT_EQ(errorOf([&] { runtime::writeRoutingCsv(dir + "/x.csv", flat); }),
            dir + "/x.csv: a routing trace is a non-empty integer tensor "
                  "[tokens, k]");
  std::string missing = dir + "/no/such/dir.csv";
  EXPECT_EQ(head(errorOf([&] { runtime::writeRoutingCsv(missing, t); }),
                 missing + ": cannot write ("),
            missing + ": cannot write (");
}

TEST_F(TracesTest, Int64NpyRoundTrips) {
  sim::Tensor t;
  t.isInteger = true;
  t.shape = {4};
  t.ints = {1, -2, 4088, int64_t(1) << 40};
  std::string p = dir + "/kv.npy";
  runtime::saveNpy(p, t, /*overwrite=*/false);
  sim::Tensor back = runtime::loadNpy(p);
  EXPECT_TRUE(back.isInteger);
  EXPECT_EQ(back.shape, t.shape);
  EXPECT_EQ(back.ints, t.ints);
  EXPECT_NE(readFile(p).find("'descr': '<i8'"), std::string::npos);
  EXPECT_EQ(errorOf([&] { runtime::saveNpy(p, t, false); }),
            p + ": exists; refusing to overwrite it");
  t.ints = {5, 6, 7, 8};
  runtime::saveNpy(p, t, /*overwrite=*/true);
  EXPECT_EQ(runtime::loadNpy(p).ints, t.ints);
  EXPECT_EQ(files(), std::set<std::string>{"kv.npy"});
}

//===----------------------------------------------------------------------===//
// Expert counts and the sampler
//===----------------------------------------------------------------------===//

/// Per-expert frequency of a routing tensor (selections / tokens).
std::vector<double> frequencies(const sim::Tensor &t, int64_t experts) {
  std::vector<int64_t> n(static_cast<size_t>(experts), 0);
  for (int64_t e : t.ints)
    ++n[static_cast<size_t>(e)];
  std::vector<double> f;
  for (int64_t c : n)
    f.push_back(static_cast<double>(c) / static_cast<double>(t.shape[0]));
  return f;
}

void expectDistinctInRange(const sim::Tensor &t, int64_t experts) {
  int64_t k = t.shape[1];
  for (int64_t tok = 0; tok < t.shape[0]; ++tok) {
    std::set<int64_t> row(t.ints.begin() + tok * k,
                          t.ints.begin() + (tok + 1) * k);
    ASSERT_EQ(static_cast<int64_t>(row.size()), k) << "token " << tok;
    ASSERT_GE(*row.begin(), 0);
    ASSERT_LT(*row.rbegin(), experts);
  }
}

TEST_F(TracesTest, ExpertCountsOfTheRealFiles) {
  runtime::ExpertCounts c =
      runtime::loadExpertCounts(olmoeFile, 7, {"mistral", "arxiv"});
  EXPECT_EQ(c.model, "mistral");
  EXPECT_EQ(c.experts, 8);
  EXPECT_EQ(c.fileTopk, 2);
  EXPECT_EQ(c.count, (std::vector<int64_t>{51886, 50083, 56626, 44230, 52075,
                                           54595, 49243, 59054}));
  // By the full model name too; every domain summed (Mixtral has no tulu):
  // 5 x 208,896 tokens x 2.
  c = runtime::loadExpertCounts(olmoeFile, 7, {"Mixtral-8x7B-v0.1", ""});
  EXPECT_EQ(std::accumulate(c.count.begin(), c.count.end(), int64_t(0)),
            5 * 208896 * 2);
  c = runtime::loadExpertCounts(olmoeFile, 0, {"olmoe", ""});
  EXPECT_EQ(c.experts, 64);
  EXPECT_EQ(c.fileTopk, 8);
  c = runtime::loadExpertCounts(fiddlerFile, 10, {"mixtral_8x7b_instruct", ""});
  EXPECT_EQ(c.experts, 8);
  EXPECT_EQ(c.fileTopk, 2);
  EXPECT_EQ(c.count, (std::vector<int64_t>{26823, 28644, 25386, 26258, 27233,
                                           26897, 23359, 26532}));
}

TEST_F(TracesTest, ExpertCountsRejectBadSelections) {
  auto err = [](const std::string &file, int64_t layer,
                runtime::CountsSelector s) {
    return errorOf([&] { runtime::loadExpertCounts(file, layer, s); });
  };
  EXPECT_EQ(err(olmoeFile, 7, {}),
            olmoeFile + ": holds several models (mistral, olmoe, olmoe-dpo, "
                        "olmoe-sft); choose one with --model");
  EXPECT_EQ(err(olmoeFile, 7, {"qwen", ""}),
            olmoeFile + ": no model 'qwen' (the file has mistral, olmoe, "
                        "olmoe-dpo, olmoe-sft)");
  EXPECT_EQ(err(olmoeFile, 3, {"mistral", ""}),
            olmoeFile + ": no counts for layer 3 of this model (the file has "
                        "layers 0, 7, 15)");
  EXPECT_EQ(err(olmoeFile, 7, {"olmoe-sft", "arxiv"}),
            olmoeFile + ": no domain 'arxiv' for this model (the file has "
                        "tulu)");
  std::string layers;
  for (int l = 0; l < 32; ++l)
    layers += (l ? ", " : "") + std::to_string(l);
  EXPECT_EQ(err(fiddlerFile, 32, {"mixtral_8x7b_original", ""}),
            fiddlerFile +
                ": no counts for layer 32 of this model (the file "
                "has layers " +
                layers + ")");
  EXPECT_EQ(err(fiddlerFile, 0, {"mixtral_8x7b_original", "poetry"}),
            fiddlerFile + ": no domain 'poetry' for this model (the file has "
                          "college_computer_science, college_medicine, "
                          "high_school_biology, high_school_mathematics, "
                          "high_school_us_history, international_law, "
                          "machine_learning)");
}

TEST_F(TracesTest, ExpertCountsRejectMalformedFiles) {
  const std::string olmoe = "source_folder,model,num_experts,top_k,domain,"
                            "variant,layer,expert,count\n";
  const std::string fiddler =
      "model_variant,mmlu_subject,total_input_tokens,layer,expert,count\n";
  auto err = [&](const std::string &text) {
    std::string p = write("counts.csv", text);
    return errorOf([&] { runtime::loadExpertCounts(p, 0, {"m", ""}); });
  };
  std::string p = dir + "/counts.csv";
  EXPECT_EQ(err(""), p + ": empty file (expected an expert-count table)");
  EXPECT_EQ(err("layer,expert,count\n0,0,1\n"),
            p + ":1: not an expert-count file: expected the header '" +
                olmoe.substr(0, olmoe.size() - 1) + "' (OLMoE) or '" +
                fiddler.substr(0, fiddler.size() - 1) +
                "' (Fiddler), got 'layer,expert,count'");
  EXPECT_EQ(err(olmoe), p + ": no data rows after the header");
  EXPECT_EQ(err(olmoe + "m,M,8,2,d,topk,0,0,5\nm,M,8,2,d,topk,0,1,x\n"),
            p + ":3: column 'count': 'x' is not an integer");
  EXPECT_EQ(err(olmoe + "m,M,8,2,d,topk,0,0,-5\n"),
            p + ":2: column 'count': -5 is below 0");
  EXPECT_EQ(err(olmoe + "m,M,8,2,d,topk,0,8,5\n"),
            p + ":2: expert 8 is outside [0, 8)");
  EXPECT_EQ(err(olmoe + "m,M,8,2,d,topk,0,0\n"),
            p + ":2: expected 9 columns, got 8");
  EXPECT_EQ(err(olmoe + "m,M,8,2,d,top3,0,0,5\n"),
            p + ":2: variant 'top3' is neither 'topk' nor 'top1'");
  EXPECT_EQ(err(olmoe + "m,M,8,2,d,topk,0,1,5\nm,M,8,2,d,topk,0,1,6\n"),
            p + ":3: a second count for expert 1 of layer 0 (model m, domain "
                "d); the first is on line 2");
  EXPECT_EQ(err(olmoe + "m,M,8,2,d,topk,0,1,5\nm,M,16,2,d,topk,0,2,6\n"),
            p + ":3: num_experts 16, top_k 2 disagree with line 2 (8, 2)");
  EXPECT_EQ(err(fiddler + "m,s,100,0,0,5\nm,s,1e3,0,1,5\n"),
            p + ":3: column 'total_input_tokens': '1e3' is not an integer");
}

TEST_F(TracesTest, SamplerIsDeterministicForASeed) {
  sim::Tensor a =
      runtime::sampleRouting(olmoeFile, 7, 512, 2, 42, {"mistral", ""});
  sim::Tensor b =
      runtime::sampleRouting(olmoeFile, 7, 512, 2, 42, {"mistral", ""});
  sim::Tensor c =
      runtime::sampleRouting(olmoeFile, 7, 512, 2, 43, {"mistral", ""});
  EXPECT_EQ(a.shape, (std::vector<int64_t>{512, 2}));
  EXPECT_TRUE(a.isInteger);
  EXPECT_EQ(a.ints, b.ints);
  EXPECT_NE(a.ints, c.ints);
  // A fixed expectation (std::mt19937_64 is specified exactly), so a change
  // of the algorithm, or a platform whose arithmetic differs, shows up here
  // rather than as results drifting between machines.
  EXPECT_EQ(
      std::vector<int64_t>(a.ints.begin(), a.ints.begin() + 16),
      (std::vector<int64_t>{0, 4, 7, 3, 6, 0, 1, 7, 4, 7, 5, 0, 2, 1, 1, 7}));
  // A token's draw does not depend on how many follow it.
  sim::Tensor prefix =
      runtime::sampleRouting(olmoeFile, 7, 4, 2, 42, {"mistral", ""});
  EXPECT_EQ(prefix.ints,
            std::vector<int64_t>(a.ints.begin(), a.ints.begin() + 8));
  expectDistinctInRange(a, 8);
  expectDistinctInRange(c, 8);
}

TEST_F(TracesTest, SamplerMatchesTheCountsFrequencies) {
  // Mixtral, top-2 of 8: P(expert e) = 2 * count_e / sum.
  runtime::ExpertCounts counts =
      runtime::loadExpertCounts(fiddlerFile, 10, {"mixtral_8x7b_instruct", ""});
  const int64_t tokens = 200000;
  sim::Tensor t = runtime::sampleRouting(counts, tokens, 2, 7);
  expectDistinctInRange(t, 8);
  double sum = std::accumulate(counts.count.begin(), counts.count.end(), 0.0);
  std::vector<double> f = frequencies(t, 8);
  for (size_t e = 0; e < 8; ++e) // one sigma is about 0.001
    EXPECT_NEAR(f[e], 2 * counts.count[e] / sum, 0.006) << "expert " << e;

  // OLMoE, top-8 of 64.
  counts = runtime::loadExpertCounts(olmoeFile, 15, {"olmoe", "github"});
  t = runtime::sampleRouting(counts, 50000, 8, 11);
  expectDistinctInRange(t, 64);
  sum = std::accumulate(counts.count.begin(), counts.count.end(), 0.0);
  f = frequencies(t, 64);
  for (size_t e = 0; e < 64; ++e)
    EXPECT_NEAR(f[e], 8 * counts.count[e] / sum, 0.01) << "expert " << e;
}

TEST_F(TracesTest, SamplerCapsExpertsChosenByEveryToken) {
  // 2 * 100/103 > 1: expert 0 goes with every token, the second choice is
  // spread evenly over experts 1..3; expert 4 has no count, never chosen.
  runtime::ExpertCounts counts{"m", 5, 2, {100, 1, 1, 1, 0}};
  sim::Tensor t = runtime::sampleRouting(counts, 30000, 2, 3);
  expectDistinctInRange(t, 5);
  std::vector<double> f = frequencies(t, 5);
  EXPECT_EQ(f[0], 1.0);
  for (size_t e = 1; e < 4; ++e)
    EXPECT_NEAR(f[e], 1.0 / 3, 0.015) << "expert " << e;
  EXPECT_EQ(f[4], 0.0);
  // As many active experts as k: all of them, every time.
  t = runtime::sampleRouting(runtime::ExpertCounts{"m", 3, 0, {5, 0, 1}}, 100,
                             2, 1);
  EXPECT_EQ(frequencies(t, 3), (std::vector<double>{1.0, 0.0, 1.0}));
}

TEST_F(TracesTest, SamplerRejectsImpossibleRequests) {
  runtime::ExpertCounts counts{"m", 4, 0, {5, 0, 3, 0}};
  EXPECT_EQ(errorOf([&] { runtime::sampleRouting(counts, 10, 3, 1); }),
            "cannot sample routing: only 2 of 4 experts have a non-zero "
            "count; cannot choose 3 distinct experts per token");
  EXPECT_EQ(errorOf([&] { runtime::sampleRouting(counts, 0, 1, 1); }),
            "cannot sample routing: the number of tokens must be positive, "
            "got 0");
  EXPECT_EQ(errorOf([&] { runtime::sampleRouting(counts, 5, 0, 1); }),
            "cannot sample routing: top-k must be positive, got 0");
  EXPECT_EQ(errorOf([&] {
              runtime::sampleRouting(olmoeFile, 7, 10, 3, 1, {"mistral", ""});
            }),
            olmoeFile + ": model mistral routes each token to 2 experts; "
                        "asked for top-3");
  EXPECT_EQ(errorOf([&] {
              runtime::sampleRouting(olmoeFile, 7, 0, 2, 1, {"mistral", ""});
            }),
            olmoeFile + ", layer 7: cannot sample routing: the number of "
                        "tokens must be positive, got 0");
}

TEST_F(TracesTest, SampledRoutingWritesAndReadsBack) {
  sim::Tensor t =
      runtime::sampleRouting(olmoeFile, 0, 64, 8, 5, {"olmoe", "c4"});
  std::string p = dir + "/sampled.csv";
  runtime::writeRoutingCsv(p, t);
  sim::Tensor back = runtime::loadRoutingCsv(p, 64, 8);
  EXPECT_EQ(back.shape, t.shape);
  EXPECT_EQ(back.ints, t.ints);
  // The simulator's generic reader (step-sim --bind) agrees.
  EXPECT_EQ(runtime::loadTensor(p).ints, t.ints);
}

//===----------------------------------------------------------------------===//
// KV-cache lengths
//===----------------------------------------------------------------------===//

struct Stats {
  double mean, stdev;
  int64_t max;
};
Stats statsOf(const std::vector<int64_t> &v) {
  double n = static_cast<double>(v.size());
  double mean = std::accumulate(v.begin(), v.end(), 0.0) / n, sq = 0;
  for (int64_t x : v)
    sq += (static_cast<double>(x) - mean) * (static_cast<double>(x) - mean);
  return {mean, std::sqrt(sq / (n - 1)), *std::max_element(v.begin(), v.end())};
}

TEST_F(TracesTest, AzureRowsOfStepsMediumBatch) {
  // step.md 7.3: b64/conv_stdev0996_4007_4070.npy = rows 4007..4070,
  // std 996.4, mean 1057.9, max 4088.
  sim::Tensor t = runtime::loadAzureKvLengths(azureFile, 4007, 4070);
  EXPECT_TRUE(t.isInteger);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{64}));
  Stats s = statsOf(t.ints);
  EXPECT_NEAR(s.stdev, 996.4, 0.05);
  EXPECT_NEAR(s.mean, 1057.9, 0.05);
  EXPECT_EQ(s.max, 4088);
  EXPECT_EQ(t.ints.front(), 399);
  EXPECT_EQ(t.ints.back(), 1061);
  // b16/conv_stdev1456_2805_2820.npy: std 1456.6.
  EXPECT_NEAR(
      statsOf(runtime::loadAzureKvLengths(azureFile, 2805, 2820).ints).stdev,
      1456.6, 0.05);
  // The first and the last row (which has no newline).
  EXPECT_EQ(runtime::loadAzureKvLengths(azureFile, 1, 1).ints,
            std::vector<int64_t>{374});
  EXPECT_EQ(runtime::loadAzureKvLengths(azureFile, 19366, 19366).ints,
            std::vector<int64_t>{197});
}

TEST_F(TracesTest, KvBatchesMatchTheAzureRows) {
  sim::Tensor t = runtime::loadKvBatch(batchFile, "b64_s4007_e4070");
  EXPECT_EQ(t.shape, (std::vector<int64_t>{64}));
  Stats s = statsOf(t.ints);
  EXPECT_NEAR(s.stdev, 996.4, 0.05);
  EXPECT_NEAR(s.mean, 1057.9, 0.05);
  EXPECT_EQ(s.max, 4088);
  std::vector<std::string> ids = runtime::listKvBatches(batchFile);
  ASSERT_EQ(ids.size(), 51u);
  int64_t rows = 0;
  for (const std::string &id : ids) {
    // b64_s4007_e4070: batch size, first and last Azure row.
    int64_t size = std::stoll(id.substr(1, id.find('_') - 1));
    int64_t first = std::stoll(id.substr(id.find("_s") + 2, 4));
    int64_t last = std::stoll(id.substr(id.find("_e") + 2, 4));
    sim::Tensor b = runtime::loadKvBatch(batchFile, id);
    EXPECT_EQ(b.shape, std::vector<int64_t>{size}) << id;
    EXPECT_EQ(b.ints, runtime::loadAzureKvLengths(azureFile, first, last).ints)
        << id;
    rows += size;
  }
  EXPECT_EQ(rows, 2496);
}

TEST_F(TracesTest, AzureRejectsBadRangesAndRows) {
  auto err = [](const std::string &p, int64_t a, int64_t b) {
    return errorOf([&] { runtime::loadAzureKvLengths(p, a, b); });
  };
  EXPECT_EQ(err(azureFile, 19360, 19367),
            azureFile + ": rows 19360:19367 are outside the file, which has "
                        "19366 data rows");
  EXPECT_EQ(err(azureFile, 0, 5),
            azureFile + ": bad row range 0:5 (data rows are numbered from 1, "
                        "the first <= the last)");
  EXPECT_EQ(err(azureFile, 10, 9),
            azureFile + ": bad row range 10:9 (data rows are numbered from 1, "
                        "the first <= the last)");
  const std::string header = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  std::string p = write("a.csv", "");
  EXPECT_EQ(err(p, 1, 1), p + ": empty file (expected the header "
                              "'TIMESTAMP,ContextTokens,GeneratedTokens')");
  p = write("a.csv", header);
  EXPECT_EQ(err(p, 1, 1), p + ": no data rows after the header");
  p = write("a.csv", "TIMESTAMP,ContextTokens\nt,5\n");
  EXPECT_EQ(err(p, 1, 1), p + ":1: expected the header "
                              "'TIMESTAMP,ContextTokens,GeneratedTokens', got "
                              "'TIMESTAMP,ContextTokens'");
  p = write("a.csv", header + "t,5,1\nt,6,1\nt,x,1\n");
  EXPECT_EQ(err(p, 1, 2),
            p + ":4: column 'ContextTokens': 'x' is not an integer");
  p = write("a.csv", header + "t,5,1\nt,-6,1\n");
  EXPECT_EQ(err(p, 1, 1), p + ":3: column 'ContextTokens': -6 is below 0");
  p = write("a.csv", header + "t,5,1\nt,6\n");
  EXPECT_EQ(err(p, 1, 1), p + ":3: expected 3 columns, got 2");
  p = write("a.csv", header + "t,5,1\n,6,1\n");
  EXPECT_EQ(err(p, 1, 1), p + ":3: empty TIMESTAMP");
  p = write("a.csv", header + "t,5,1\nt,6,1\n");
  EXPECT_EQ(err(p, 2, 3),
            p + ": rows 2:3 are outside the file, which has 2 data rows");
  EXPECT_EQ(runtime::loadAzureKvLengths(p, 2, 2).ints, std::vector<int64_t>{6});
}

TEST_F(TracesTest, KvBatchRejectsMalformedFiles) {
  const std::string header =
      "batch_id,batch_size,step_fig11_class,first_data_row,last_data_row,"
      "step_stdev_label,slot,kv_len_context_tokens,azure_timestamp\n";
  auto err = [&](const std::string &text, const std::string &id = "b") {
    std::string p = write("b.csv", text);
    return errorOf([&] { runtime::loadKvBatch(p, id); });
  };
  std::string p = dir + "/b.csv";
  EXPECT_EQ(err(header + "b,2,low,1,2,0,0,5,t\nb,2,low,1,2,0,1,6,t\n", "c"),
            p + ": no batch 'c' (the file has b)");
  EXPECT_EQ(err("batch_id,slot\n"), p + ":1: expected the header '" +
                                        header.substr(0, header.size() - 1) +
                                        "', got 'batch_id,slot'");
  EXPECT_EQ(err(header), p + ": no data rows after the header");
  EXPECT_EQ(err(header + "b,2,low,1,2,0,1,5,t\n"),
            p + ":2: slot 1 of batch b is out of order: expected 0");
  EXPECT_EQ(err(header + "b,2,low,1,2,0,0,5,t\nc,1,low,3,3,0,0,5,t\n"),
            p + ":2: batch b has 1 rows, but its batch_size is 2");
  EXPECT_EQ(err(header + "b,2,low,1,2,0,0,5,t\nb,2,low,1,2,0,1,6,t\n"
                         "c,1,low,3,3,0,0,5,t\nb,2,low,1,2,0,2,6,t\n"),
            p + ":5: batch b continues after other batches (its rows must be "
                "together)");
  EXPECT_EQ(err(header + "b,2,low,1,3,0,0,5,t\n"),
            p + ":2: rows 1..3 of batch b are not batch_size 2 rows");
  EXPECT_EQ(err(header + "b,2,low,1,2,0,0,5,t\nb,2,low,2,3,0,1,6,t\n"),
            p + ":3: batch_size, first_data_row or last_data_row differ from "
                "line 2 of batch b");
  EXPECT_EQ(err(header + "b,2,low,1,2,0,0,5,t\nb,2,low,1,2,0,1,six,t\n"),
            p + ":3: column 'kv_len_context_tokens': 'six' is not an integer");
  EXPECT_EQ(err(header + "b,2,low,1,2,0,0,5,t\nb,2,low,1,2,0,1,6\n"),
            p + ":3: expected 9 columns, got 8");
}

} // namespace
