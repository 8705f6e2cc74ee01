//===- InputErrorTest.cpp - malformed graphs, architectures and inputs ----===//
//
// Bad input must end in an InputError whose message names the operator,
// file, line, field or row at fault; never a crash.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include "runtime/Tensors.h"
#include "simulator/Error.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

using namespace steptest;
using step::sim::Architecture;
using step::sim::InputError;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

/// The message of the InputError `f` throws ("" and a failure otherwise).
template <typename F> std::string inputError(F f) {
  try {
    f();
  } catch (const InputError &e) {
    return e.what();
  } catch (const std::exception &e) {
    ADD_FAILURE() << "expected an InputError, got: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

std::string simulateError(const proto::SimGraph &g,
                          const step::sim::RuntimeInputs &inputs = {}) {
  return inputError([&] {
    step::sim::simulate(g, makeArch(ArchSpec()), inputs,
                        step::sim::SimOptions());
  });
}

//===----------------------------------------------------------------------===//
// graphs
//===----------------------------------------------------------------------===//

TEST(GraphErrorTest, UnknownOperatorKind) {
  proto::SimGraph g;
  addOp(g, "frobnicate", {}, {});
  EXPECT_THAT(simulateError(g),
              HasSubstr("test.mlir:1:1: unknown operator kind 'frobnicate'"));
}

TEST(GraphErrorTest, ChannelWithTwoConsumers) {
  proto::SimGraph g;
  g.set_name("two");
  int x = addChannel(g);
  addLinearLoad(g, x, "x", 1, 16, 1, 1, 1);
  addLinearStore(g, x, "y", {1, 16}, 1);
  addLinearStore(g, x, "z", {1, 16}, 1);
  EXPECT_THAT(simulateError(g),
              HasSubstr("'linear_store' at test.mlir:3:1: channel 0 already "
                        "has a consumer (a stream has exactly one)"));
}

TEST(GraphErrorTest, ChannelThatDoesNotExist) {
  proto::SimGraph g;
  addLinearStore(g, 7, "y", {1, 16}, 1);
  EXPECT_THAT(simulateError(g),
              HasSubstr("'linear_store' at test.mlir:1:1: input channel 7 "
                        "does not exist"));
}

TEST(GraphErrorTest, MissingAttribute) {
  proto::SimGraph g;
  int x = addChannel(g), y = addChannel(g);
  addLinearLoad(g, x, "x", 1, 16, 1, 4, 1);
  proto::Operator &op = addOp(g, "reshape", {x}, {y, -1});
  (*op.mutable_attrs())["rank"] = intAttr(0);
  addLinearStore(g, y, "y", {1, 64}, 1);
  EXPECT_THAT(simulateError(g),
              HasSubstr("'reshape' at test.mlir:2:1: missing attribute "
                        "'chunk'"));
  (*op.mutable_attrs())["chunk"] = strAttr("four");
  EXPECT_THAT(simulateError(g),
              HasSubstr("'reshape' at test.mlir:2:1: attribute 'chunk' must "
                        "be an integer"));
}

TEST(GraphErrorTest, SelectorPicksAMissingOutput) {
  Harness h;
  int in = h.channel(8), sel = h.channel(8), o0 = h.channel(8),
      o1 = h.channel(8);
  proto::Operator &op = h.op("partition", {in, sel}, {o0, o1});
  (*op.mutable_attrs())["rank"] = intAttr(0);
  h.source(in, {Item{tile(0), 1, 0, -1}});
  h.source(sel, {Item{selector(3, {2}), 1, 0, -1}});
  h.sink(o0);
  h.sink(o1);
  EXPECT_THAT(inputError([&] { h.run(); }),
              HasSubstr("'partition' at test.mlir:1:1: a selector picks "
                        "output 2 of 2"));
}

/// A select_gen of `input` feeding a sink, its output typed
/// stream<[1, tokens], selector<8, hot = 2>>.
void addSelectGen(Harness &h) {
  int out = h.channel(8, streamType({"1", "4"}, selectorType(8, 2)));
  proto::Operator &op = h.op("select_gen", {}, {out});
  (*op.mutable_attrs())["input"] = strAttr("routing");
  h.sink(out);
}

step::sim::Tensor trace(std::vector<int64_t> ids) {
  step::sim::Tensor t;
  t.isInteger = true;
  t.shape = {int64_t(ids.size()) / 2, 2};
  t.ints = std::move(ids);
  return t;
}

TEST(GraphErrorTest, SelectGenWithoutItsBinding) {
  Harness h;
  addSelectGen(h);
  EXPECT_THAT(inputError([&] { h.run(); }),
              HasSubstr("'select_gen' at test.mlir:1:1: the runtime input "
                        "'routing' is not bound (--bind routing=FILE)"));
}

TEST(GraphErrorTest, SelectGenTraceWithAnExpertOutOfRange) {
  Harness h;
  addSelectGen(h);
  h.inputs["routing"] = trace({0, 1, 2, 3, 7, 8, 4, 5});
  EXPECT_THAT(inputError([&] { h.run(); }),
              HasSubstr("the runtime input 'routing', row 2: target 8 is "
                        "outside [0, 8)"));
  Harness h2;
  addSelectGen(h2);
  h2.inputs["routing"] = trace({0, 1, -1, 3, 4, 5, 6, 7});
  EXPECT_THAT(inputError([&] { h2.run(); }),
              HasSubstr("row 1: target -1 is outside [0, 8)"));
}

TEST(GraphErrorTest, SelectGenTraceWithADuplicateExpert) {
  Harness h;
  addSelectGen(h);
  h.inputs["routing"] = trace({0, 1, 2, 3, 5, 5, 6, 7});
  EXPECT_THAT(inputError([&] { h.run(); }),
              HasSubstr("the runtime input 'routing', row 2: a target "
                        "appears twice"));
}

TEST(GraphErrorTest, SelectGenTraceOfTheWrongWidth) {
  Harness h;
  addSelectGen(h);
  step::sim::Tensor t;
  t.isInteger = true;
  t.shape = {2, 3};
  t.ints = {0, 1, 2, 3, 4, 5};
  h.inputs["routing"] = t;
  EXPECT_THAT(inputError([&] { h.run(); }),
              HasSubstr("routes each token to 3 targets, but the selectors "
                        "are 2-hot"));
}

//===----------------------------------------------------------------------===//
// architectures
//===----------------------------------------------------------------------===//

/// A valid architecture, one field per line where the tests poke.
const char *const kArch = R"(name: "bad"
compute_units { name: "cu" count: 4 flops_per_cycle: 64 }
memory_units { name: "mu" count: 4 bytes_per_cycle: 64 capacity_bytes: 1024 }
off_chip {
  name: "hbm"
  channels: 8
  request_bytes: 64
  initiation_interval: 2
  latency: 2
  start_up: 14
}
links { from: "hbm" to: "mu" bytes_per_cycle: 64 }
links { from: "mu" to: "cu" bytes_per_cycle: 64 }
)";

/// kArch with `from` replaced by `to` (which must occur).
std::string archWith(const std::string &from, const std::string &to) {
  std::string s = kArch;
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos)
    s.replace(at, from.size(), to);
  return s;
}

std::string archError(const std::string &text) {
  return inputError([&] { Architecture::parse(text, "bad.pbtxt"); });
}

TEST(ArchErrorTest, TheBaseTextIsValid) {
  Architecture a = Architecture::parse(kArch, "bad.pbtxt");
  EXPECT_EQ(a.getHbm().channels, 8);
  EXPECT_EQ(a.getOffChipBytesPerCycle(), 256.0);
}

TEST(ArchErrorTest, SyntaxErrorHasLineAndColumn) {
  // Line 6, `  channels: x`: the value starts at column 13.
  std::string m = archError(archWith("channels: 8", "channels: x"));
  EXPECT_THAT(m, StartsWith("bad.pbtxt:6:13: "));
  EXPECT_THAT(m, HasSubstr("x"));
  // An unknown field on line 2.
  m = archError(archWith("count: 4 flops", "cuont: 4 flops"));
  EXPECT_THAT(m, StartsWith("bad.pbtxt:2:"));
  EXPECT_THAT(m, HasSubstr("cuont"));
}

TEST(ArchErrorTest, MissingRequiredFieldNamesFieldAndLine) {
  // Without `channels` the error points at the off_chip block (line 4).
  std::string m = archError(archWith("  channels: 8\n", ""));
  EXPECT_THAT(m, HasSubstr("bad.pbtxt:4: off_chip.channels: missing "
                           "(required, at least 1)"));
  m = archError(archWith("count: 4 bytes_per_cycle: 64 ", ""));
  EXPECT_THAT(m, HasSubstr("bad.pbtxt:3: memory_units[0].count: missing"));
}

TEST(ArchErrorTest, NegativeBandwidth) {
  std::string m = archError(
      archWith("bytes_per_cycle: 64 capacity", "bytes_per_cycle: -4 capacity"));
  EXPECT_THAT(m, HasSubstr("bad.pbtxt:3: memory_units[0].bytes_per_cycle: "
                           "must be at least 1, got -4"));
  m = archError(archWith("to: \"cu\" bytes_per_cycle: 64",
                         "to: \"cu\" bytes_per_cycle: -1"));
  EXPECT_THAT(m, HasSubstr("bad.pbtxt:13: links[1].bytes_per_cycle: must be "
                           "at least 1, got -1"));
}

TEST(ArchErrorTest, LinkToAnUnknownUnit) {
  std::string m = archError(archWith("to: \"cu\"", "to: \"pcu\""));
  EXPECT_THAT(m, HasSubstr("bad.pbtxt:13: links[1].to: unknown unit 'pcu'"));
}

TEST(ArchErrorTest, UnitNotLinkedToOffChipMemory) {
  std::string m = archError(
      archWith("links { from: \"mu\" to: \"cu\" bytes_per_cycle: 64 }\n", ""));
  EXPECT_THAT(m, HasSubstr("bad.pbtxt:2: unit 'cu' is not linked to the "
                           "off-chip memory 'hbm' (add a link)"));
}

TEST(ArchErrorTest, LoadFileOfAMissingFile) {
  std::string m =
      inputError([] { Architecture::loadFile("/nonexistent/dir/arch.pbtxt"); });
  EXPECT_THAT(m, HasSubstr("/nonexistent/dir/arch.pbtxt: cannot open"));
}

//===----------------------------------------------------------------------===//
// runtime inputs
//===----------------------------------------------------------------------===//

std::string writeFile(const std::string &name, const std::string &bytes) {
  std::string path = ::testing::TempDir() + "step_sim_" + name;
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return path;
}

TEST(RuntimeInputErrorTest, CsvWithANonIntegerCell) {
  std::string path =
      writeFile("bad.csv", "token,expert0,expert1\n0,1,2\n1,3,x4\n2,5,6\n");
  EXPECT_THAT(inputError([&] { step::runtime::loadIntCsv(path); }),
              HasSubstr(path + ":3: 'x4' is not an integer"));
  path = writeFile("trailing.csv", "1,2\n3,4abc\n");
  EXPECT_THAT(inputError([&] { step::runtime::loadIntCsv(path); }),
              HasSubstr(path + ":2: '4abc' is not an integer"));
}

TEST(RuntimeInputErrorTest, CsvWithARaggedRow) {
  std::string path = writeFile("ragged.csv", "1,2\n3,4\n5\n");
  EXPECT_THAT(inputError([&] { step::runtime::loadIntCsv(path); }),
              HasSubstr(path + ":3: expected 2 values, got 1"));
}

TEST(RuntimeInputErrorTest, CsvThatIsFine) {
  std::string path =
      writeFile("good.csv", "token,expert0,expert1\n0,1,2\n1,3,4\n");
  step::sim::Tensor t = step::runtime::loadIntCsv(path);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(t.ints, (std::vector<int64_t>{1, 2, 3, 4}));
}

/// A version-1 .npy header for `descr` and `shape` ("(4,)"), padded to 64.
std::string npyHeader(const std::string &descr, const std::string &shape) {
  std::string h = "{'descr': '" + descr +
                  "', 'fortran_order': False, 'shape': " + shape + ", }";
  h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
  h += '\n';
  std::string s = "\x93NUMPY\x01";
  s += '\0';
  s += char(h.size() & 0xff);
  s += char(h.size() >> 8);
  return s + h;
}

TEST(RuntimeInputErrorTest, TruncatedNpyData) {
  // Four float32 need 16 bytes; the file holds 8.
  std::string path =
      writeFile("short.npy", npyHeader("<f4", "(4,)") + std::string(8, '\0'));
  EXPECT_THAT(inputError([&] { step::runtime::loadNpy(path); }),
              HasSubstr(path + ": holds 8 data bytes, the shape needs 16"));
}

TEST(RuntimeInputErrorTest, TruncatedNpyHeader) {
  std::string full = npyHeader("<f4", "(4,)");
  std::string path = writeFile("header.npy", full.substr(0, 30));
  EXPECT_THAT(inputError([&] { step::runtime::loadNpy(path); }),
              HasSubstr(path + ": truncated .npy header"));
  path = writeFile("magic.npy", full.substr(0, 5));
  EXPECT_THAT(inputError([&] { step::runtime::loadNpy(path); }),
              HasSubstr(path + ": not a .npy file"));
}

/// A version-1 .npy file whose header dict is `dict` verbatim.
std::string npyWithHeader(const std::string &dict) {
  std::string h = dict;
  h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
  h += '\n';
  std::string s = "\x93NUMPY\x01";
  s += '\0';
  s += char(h.size() & 0xff);
  s += char(h.size() >> 8);
  return s + h;
}

TEST(RuntimeInputErrorTest, NpyHeaderWithoutItsKeys) {
  std::string path = writeFile(
      "nodescr.npy", npyWithHeader("{'fortran_order': False, 'shape': (4,), }"));
  EXPECT_THAT(inputError([&] { step::runtime::loadNpy(path); }),
              HasSubstr(path + ": .npy header has no 'descr'"));
  path = writeFile("noshape.npy",
                   npyWithHeader("{'descr': '<f4', 'fortran_order': False, }"));
  EXPECT_THAT(inputError([&] { step::runtime::loadNpy(path); }),
              HasSubstr(path + ": .npy header has no 'shape'"));
  path = writeFile("unquoted.npy",
                   npyWithHeader("{'descr': <f4, 'shape': (4,), }"));
  EXPECT_THAT(inputError([&] { step::runtime::loadNpy(path); }),
              HasSubstr(path + ": .npy header has no 'descr'"));
  path = writeFile("fortran.npy",
                   npyWithHeader("{'descr': '<f4', 'fortran_order': True, "
                                 "'shape': (2, 2), }") +
                       std::string(16, '\0'));
  EXPECT_THAT(inputError([&] { step::runtime::loadNpy(path); }),
              HasSubstr(path + ": Fortran-order arrays are not supported"));
}

TEST(RuntimeInputErrorTest, NpyHeaderSpacingAndScalars) {
  // No spaces after the colons, keys in another order, a 0-d array.
  int64_t v = 7;
  std::string path = writeFile(
      "scalar.npy",
      npyWithHeader("{'shape':(),'fortran_order':False,'descr':'<i8'}") +
          std::string(reinterpret_cast<char *>(&v), sizeof v));
  step::sim::Tensor t = step::runtime::loadNpy(path);
  EXPECT_TRUE(t.shape.empty());
  EXPECT_EQ(t.ints, (std::vector<int64_t>{7}));
}

TEST(RuntimeInputErrorTest, NpyThatIsFine) {
  float v[4] = {1, 2, 3, 4};
  std::string path = writeFile(
      "good.npy", npyHeader("<f4", "(2, 2)") +
                      std::string(reinterpret_cast<char *>(v), sizeof v));
  step::sim::Tensor t = step::runtime::loadNpy(path);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(t.floats, (std::vector<float>{1, 2, 3, 4}));
}

} // namespace
