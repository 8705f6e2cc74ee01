//===- SparseOpsTest.cpp - sparse (SAM) components, token by token --------===//
//
// Every sparse component against SAM's published streams (the FuseFlow
// digest, reference/fuseflow.md §2.2 and §2.4), written and read in SAM's
// notation (simulator/SamTokens.h), plus empty fibers, N tokens, all-zero
// operands, and the timing rule (one SAM token per cycle).
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"

#include "simulator/Error.h"
#include "simulator/SamTokens.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace steptest;
namespace sam = step::sim::sam;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

std::vector<Item> samItems(const std::string &text, bool values = false) {
  std::vector<Item> out;
  for (Token &t : sam::parse(text, values))
    out.push_back(Item{std::move(t.value), t.stop, 0, -1});
  return out;
}

std::string samOf(const Sink &s) {
  std::vector<Token> toks;
  for (const Rec &r : s.records)
    toks.push_back(Token{r.value, r.stop, r.time});
  return sam::format(toks);
}

step::sim::Tensor ints(std::vector<int64_t> v) {
  step::sim::Tensor t;
  t.isInteger = true;
  t.shape = {static_cast<int64_t>(v.size())};
  t.ints = std::move(v);
  return t;
}

step::sim::Tensor floats(std::vector<float> v) {
  step::sim::Tensor t;
  t.shape = {static_cast<int64_t>(v.size())};
  t.floats = std::move(v);
  return t;
}

/// Runs one operator of `kind` with SAM-notation inputs (`valueInputs`
/// marks the inputs that carry values) and returns its outputs in SAM
/// notation.
struct OneOp {
  Harness h;
  proto::Operator *op = nullptr;
  std::vector<Sink *> sinks;

  OneOp(const std::string &kind, const std::vector<std::string> &ins,
        size_t numOutputs, std::vector<bool> valueInputs = {}) {
    h.options.functional = true;
    std::vector<int> inCh, outCh;
    for (size_t i = 0; i < ins.size(); ++i)
      inCh.push_back(h.channel(4));
    for (size_t o = 0; o < numOutputs; ++o)
      outCh.push_back(h.channel(4));
    op = &h.op(kind, inCh, outCh);
    for (size_t i = 0; i < ins.size(); ++i)
      h.source(inCh[i],
               samItems(ins[i], i < valueInputs.size() && valueInputs[i]));
    for (int c : outCh)
      sinks.push_back(&h.sink(c));
  }
  void attr(const std::string &name, const proto::Attr &a) {
    (*op->mutable_attrs())[name] = a;
  }
  std::string out(size_t o) const { return samOf(*sinks[o]); }
};

TEST(SamTokensTest, ParseAndFormatRoundTrip) {
  std::vector<Token> t = sam::parse("0, 2, S0, N, S1, D");
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[0].value.scalar, 0);
  EXPECT_EQ(t[2].value.kind, Value::Kind::NoElement);
  EXPECT_EQ(t[2].stop, 1u);
  EXPECT_EQ(t[3].value.kind, Value::Kind::Empty);
  EXPECT_EQ(t[4].stop, 2u);
  EXPECT_EQ(sam::format(t), "0, 2, S0, N, S1, D");
  // STeP's fused form prints the same.
  std::vector<Token> fused{Token{Value::scalarValue(0), 0, 0},
                           Token{Value::scalarValue(2), 1, 0}};
  EXPECT_EQ(sam::format(fused), "0, 2, S0, D");
  EXPECT_EQ(sam::format(sam::parse("1.5, S0", /*values=*/true)), "1.5, S0, D");
  EXPECT_THROW(sam::parse("0, X"), step::sim::InputError);
  EXPECT_THROW(sam::parse("0, D, 1"), step::sim::InputError);
  EXPECT_THROW(sam::parse("0.5"), step::sim::InputError);
}

TEST(SparseOpsTest, RootEmitsZero) {
  OneOp t("root", {}, 1);
  t.h.run();
  EXPECT_EQ(t.out(0), "0, D");
}

// Digest §2.2: seg [0,2,3,4], crd [0,2,2,2], refs [0,1,2,S0,D].
TEST(SparseOpsTest, CompressedScannerDigestExample) {
  OneOp t("fiber_lookup", {"0, 1, 2, S0, D"}, 2);
  t.attr("tensor", strAttr("B"));
  t.attr("mode", intAttr(1));
  t.attr("format", strAttr("compressed"));
  t.h.inputs["B.mode_1_seg"] = ints({0, 2, 3, 4});
  t.h.inputs["B.mode_1_crd"] = ints({0, 2, 2, 2});
  t.h.run();
  EXPECT_EQ(t.out(0), "0, 2, S0, 2, S0, 2, S1, D");
  EXPECT_EQ(t.out(1), "0, 1, S0, 2, S0, 3, S1, D");
  // Reference 0 is visible at 1 (sent at 0, channel latency 1); from then
  // one output pair per cycle, each visible a cycle after it is sent. The
  // absorbed input stop costs no cycle of its own.
  EXPECT_THAT(t.sinks[0]->times(), ElementsAre(2, 3, 4, 5, 6, 7, 8));
}

// Digest §2.2: N in gives N and a stop (an empty fiber). Fibers: ref 0 ->
// [0, 1], ref 1 -> [2], ref 2 -> [3].
TEST(SparseOpsTest, CompressedScannerEmptyTokens) {
  OneOp t("fiber_lookup", {"0, 1, N, 2, N, S0, D"}, 2);
  t.attr("tensor", strAttr("B"));
  t.attr("mode", intAttr(1));
  t.attr("format", strAttr("compressed"));
  t.h.inputs["B.mode_1_seg"] = ints({0, 2, 3, 4});
  t.h.inputs["B.mode_1_crd"] = ints({0, 1, 2, 3});
  t.h.run();
  EXPECT_EQ(t.out(0), "0, 1, S0, 2, S0, N, S0, 3, S0, N, S1, D");
  EXPECT_EQ(t.out(1), "0, 1, S0, 2, S0, N, S0, 3, S0, N, S1, D");
}

TEST(SparseOpsTest, CompressedScannerEmptyFibersAndStandaloneStops) {
  // Fiber 1 is empty: a bare stop. A standalone input stop (an empty input
  // fiber) becomes S(n+1).
  OneOp t("fiber_lookup", {"0, 1, S0, S1, D"}, 2);
  t.attr("tensor", strAttr("B"));
  t.attr("mode", intAttr(1));
  t.attr("format", strAttr("compressed"));
  t.h.inputs["B.mode_1_seg"] = ints({0, 2, 2});
  t.h.inputs["B.mode_1_crd"] = ints({1, 3});
  t.h.run();
  EXPECT_EQ(t.out(0), "1, 3, S0, S1, S2, D");
  EXPECT_EQ(t.out(1), "0, 1, S0, S1, S2, D");
}

// Digest §2.2: an uncompressed 2-level scan of 4 rows of width 3.
TEST(SparseOpsTest, DenseScanner) {
  OneOp t("fiber_lookup", {"0, 1, 2, 3, S0, D"}, 2);
  t.attr("tensor", strAttr("D"));
  t.attr("mode", intAttr(1));
  t.attr("format", strAttr("dense"));
  t.attr("dim", intAttr(3));
  t.h.run();
  EXPECT_EQ(t.out(0), "0, 1, 2, S0, 0, 1, 2, S0, 0, 1, 2, S0, 0, 1, 2, S1, D");
  EXPECT_EQ(t.out(1),
            "0, 1, 2, S0, 3, 4, 5, S0, 6, 7, 8, S0, 9, 10, 11, S1, D");
}

TEST(SparseOpsTest, ScannerErrorsNameTheArray) {
  OneOp t("fiber_lookup", {"0, D"}, 2);
  t.attr("tensor", strAttr("B"));
  t.attr("mode", intAttr(1));
  t.attr("format", strAttr("compressed"));
  try {
    t.h.run();
    FAIL() << "expected an error";
  } catch (const step::sim::InputError &e) {
    EXPECT_THAT(e.what(), HasSubstr("'B.mode_1_seg'"));
  }
  OneOp u("fiber_lookup", {"5, D"}, 2);
  u.attr("tensor", strAttr("B"));
  u.attr("mode", intAttr(0));
  u.attr("format", strAttr("compressed"));
  u.h.inputs["B.mode_0_seg"] = ints({0, 1});
  u.h.inputs["B.mode_0_crd"] = ints({0});
  try {
    u.h.run();
    FAIL() << "expected an error";
  } catch (const step::sim::InputError &e) {
    EXPECT_THAT(e.what(), HasSubstr("reference 5 is outside"));
  }
}

// Digest §2.4: [0,1,S0,2,S0,3,S1,D] -> [R,R,S,R,S,R,S,D].
TEST(SparseOpsTest, RepeatSig) {
  OneOp t("repeat_sig", {"0, 1, S0, 2, S0, 3, S1, D"}, 1);
  t.h.run();
  EXPECT_EQ(t.out(0), "1, 1, S0, 1, S0, 1, S1, D");
}

// Digest §2.4: in [0,1,2,S0,D], repsig [R,R,S,R,S,R,S,D] ->
// [0,0,S0,1,S0,2,S1,D].
TEST(SparseOpsTest, RepeatDigestExample) {
  OneOp t("fiber_repeat", {"0, 1, 2, S0, D", "1, 1, S0, 1, S0, 1, S1, D"}, 1);
  t.h.run();
  EXPECT_EQ(t.out(0), "0, 0, S0, 1, S0, 2, S1, D");
}

TEST(SparseOpsTest, RepeatRootAndEmptyGroups) {
  // The root repeated once per row coordinate.
  OneOp t("fiber_repeat", {"0, D", "0, 1, 2, S0, D"}, 1);
  t.h.run();
  EXPECT_EQ(t.out(0), "0, 0, 0, S0, D");
  // Element 7 repeated zero times (a bare stop), and N in the signal.
  OneOp u("fiber_repeat", {"5, 7, 9, S0, D", "1, S0, S0, N, 1, S1, D"}, 1);
  u.h.run();
  EXPECT_EQ(u.out(0), "5, S0, S0, N, 9, S1, D");
}

// Digest §2.4: crd1 [0,S0,0,1,2,S1,D] ∧ crd2 [0,1,2,S0,0,1,2,S1,D].
TEST(SparseOpsTest, IntersectDigestExample) {
  OneOp t("intersect",
          {"0, S0, 0, 1, 2, S1, D", "0, 1, 2, S0, 0, 1, 2, S1, D",
           "10, S0, 11, 12, 13, S1, D", "20, 21, 22, S0, 23, 24, 25, S1, D"},
          3);
  t.h.run();
  EXPECT_EQ(t.out(0), "0, S0, 0, 1, 2, S1, D");
  EXPECT_EQ(t.out(1), "10, S0, 11, 12, 13, S1, D");
  EXPECT_EQ(t.out(2), "20, S0, 23, 24, 25, S1, D");
}

TEST(SparseOpsTest, IntersectEmptyResultAndAllZeroOperand) {
  // No common coordinate in fiber 0: a bare stop; the second operand is
  // all-zero in fiber 1 (an empty fiber).
  OneOp t("intersect",
          {"1, 3, S0, 2, S1, D", "0, 2, S0, S1, D", "0, 1, S0, 2, S1, D",
           "0, 1, S0, S1, D"},
          3);
  t.h.run();
  EXPECT_EQ(t.out(0), "S0, S1, D");
  EXPECT_EQ(t.out(1), "S0, S1, D");
  EXPECT_EQ(t.out(2), "S0, S1, D");
}

// Digest §2.4: [0,1,3,5,S0,D] ∪ [0,2,3,4,S0,D].
TEST(SparseOpsTest, UnionDigestExample) {
  OneOp t("union",
          {"0, 1, 3, 5, S0, D", "0, 2, 3, 4, S0, D", "0, 1, 2, 3, S0, D",
           "0, 1, 2, 3, S0, D"},
          3);
  t.h.run();
  EXPECT_EQ(t.out(0), "0, 1, 2, 3, 4, 5, S0, D");
  EXPECT_EQ(t.out(1), "0, 1, N, 2, N, 3, S0, D");
  EXPECT_EQ(t.out(2), "0, N, 1, 2, 3, N, S0, D");
}

TEST(SparseOpsTest, UnionWithEmptyFibersAndNCoordinates) {
  OneOp t(
      "union",
      {"S0, 4, S1, D", "1, S0, N, S1, D", "S0, 0, S1, D", "7, S0, N, S1, D"},
      3);
  t.h.run();
  EXPECT_EQ(t.out(0), "1, S0, 4, S1, D");
  EXPECT_EQ(t.out(1), "N, S0, 0, S1, D");
  EXPECT_EQ(t.out(2), "7, S0, N, S1, D");
}

TEST(SparseOpsTest, JoinerRejectsMisalignedStops) {
  OneOp t("intersect", {"1, S0, D", "1, S1, D", "0, S0, D", "0, S1, D"}, 3);
  EXPECT_THROW(t.h.run(), step::sim::InputError);
}

// Dense references parent * dim + c (Comal's IterateLocate would forward c).
TEST(SparseOpsTest, LocateUsesTheParentReference) {
  OneOp t("locate",
          {"0, 2, S0, N, S0, 1, S1, D", "0, 1, S0, N, S0, 2, S1, D",
           "5, 6, 7, S0, D"},
          3);
  t.attr("dim", intAttr(4));
  t.h.run();
  EXPECT_EQ(t.out(0), "0, 2, S0, N, S0, 1, S1, D");
  EXPECT_EQ(t.out(1), "0, 1, S0, N, S0, 2, S1, D");
  EXPECT_EQ(t.out(2), "20, 22, S0, N, S0, 29, S1, D");
  // An empty parent fiber (bare S0) matches the coordinates' bare S1.
  OneOp e("locate", {"1, S1, S1, D", "3, S1, S1, D", "2, S0, S0, D"}, 3);
  e.attr("dim", intAttr(4));
  e.h.run();
  EXPECT_EQ(e.out(2), "9, S1, S1, D");
  OneOp bad("locate", {"4, S0, D", "0, S0, D", "0, D"}, 3);
  bad.attr("dim", intAttr(4));
  EXPECT_THROW(bad.h.run(), step::sim::InputError);
}

TEST(SparseOpsTest, ArrayValPassesStopsAndN) {
  OneOp t("array_val", {"2, N, S0, 0, S1, D"}, 1);
  t.attr("tensor", strAttr("B"));
  t.h.inputs["B.vals"] = floats({1.5f, 2.5f, 3.5f});
  t.h.run();
  EXPECT_EQ(t.out(0), "3.5, N, S0, 1.5, S1, D");
}

// Blocked values: B x B blocks, visible B*B cycles after the load (Comal's
// array latency block_size^2).
TEST(SparseOpsTest, ArrayValBlocks) {
  OneOp t("array_val", {"1, S0, D"}, 1);
  t.attr("tensor", strAttr("B"));
  t.attr("block", intAttr(2));
  step::sim::Tensor v = floats({0, 1, 2, 3, 4, 5, 6, 7});
  v.shape = {2, 2, 2};
  t.h.inputs["B.vals"] = v;
  t.h.run();
  const Sink &s = *t.sinks[0];
  ASSERT_EQ(s.records.size(), 2u);
  EXPECT_EQ(s.records[0].value.rows, 2);
  EXPECT_THAT(*s.records[0].value.data, ElementsAre(4, 5, 6, 7));
  // The reference is visible at 1 and read then: the block at 1 + 4; the
  // stop, read at 2, at 2 + 4.
  EXPECT_THAT(s.times(), ElementsAre(5, 6));
  OneOp bad("array_val", {"0, S0, D"}, 1);
  bad.attr("tensor", strAttr("B"));
  bad.h.inputs["B.vals"] = v;
  try {
    bad.h.run();
    FAIL() << "expected an error";
  } catch (const step::sim::InputError &e) {
    EXPECT_THAT(e.what(),
                HasSubstr("'B.vals' has shape [2, 2, 2], expected [n]"));
  }
}

// tile_shape [1, 2]: vectors of a blocked lowering, from flat vals (what
// val_write stores) or [n, a, b] with a*b = 2; latency rows*cols = 2.
TEST(SparseOpsTest, ArrayValVectorTiles) {
  for (bool flat : {true, false}) {
    OneOp t("array_val", {"2, 0, S0, D"}, 1);
    t.attr("tensor", strAttr("b"));
    t.attr("tile_shape", intsAttr({1, 2}));
    step::sim::Tensor v = floats({0, 1, 2, 3, 4, 5});
    if (!flat)
      v.shape = {3, 2, 1};
    t.h.inputs["b.vals"] = v;
    t.h.run();
    const Sink &s = *t.sinks[0];
    ASSERT_EQ(s.records.size(), 3u);
    EXPECT_EQ(s.records[0].value.rows, 1);
    EXPECT_EQ(s.records[0].value.cols, 2);
    EXPECT_THAT(*s.records[0].value.data, ElementsAre(4, 5));
    EXPECT_THAT(*s.records[1].value.data, ElementsAre(0, 1));
    // References visible at 1 and 2, each block 2 cycles after it is read.
    EXPECT_THAT(s.times(), ElementsAre(3, 4, 5));
  }
  OneOp bad("array_val", {"0, S0, D"}, 1);
  bad.attr("tensor", strAttr("b"));
  bad.attr("tile_shape", intsAttr({1, 4}));
  bad.h.inputs["b.vals"] = floats({0, 1, 2, 3, 4, 5});
  try {
    bad.h.run();
    FAIL() << "expected an error";
  } catch (const step::sim::InputError &e) {
    EXPECT_THAT(e.what(), HasSubstr("'b.vals' has shape [6], expected [n, 1, 4]"));
  }
}

namespace {
Value tileOf(int64_t rows, int64_t cols, std::vector<float> data) {
  Value v = Value::tile(rows, cols, 4);
  v.data = std::make_shared<const std::vector<float>>(std::move(data));
  return v;
}
proto::StreamType tileStream(int64_t rows, int64_t cols) {
  proto::StreamType t;
  *t.mutable_element() = tileType(rows, cols);
  return t;
}
} // namespace

// N on a map input is a zero tile of that region argument's type: a
// [2, 1] row statistic stays [2, 1] next to a [2, 2] block (shaped like the
// block, the sum below would broadcast to [2, 2]).
TEST(SparseOpsTest, MapEmptyIsAZeroTileOfTheArgumentType) {
  Harness h;
  h.options.functional = true;
  int a = h.channel(4), b = h.channel(4), o = h.channel(4);
  h.op("map", {a, b}, {o});
  h.source(a, {Item{tileOf(2, 2, {1, 2, 3, 4}), 1}});
  h.source(b, {Item{Value::empty(), 1}});
  RegionBuilder r;
  int x = r.arg(tileType(2, 2)), y = r.arg(tileType(2, 1));
  int rs = r.op("row_sum", {x}, tileType(2, 1));
  r.yield(r.op("add", {rs, y}, tileType(2, 1)));
  *h.graph.mutable_operators(0)->add_regions() = r.region;
  Sink &s = h.sink(o);
  h.run();
  ASSERT_EQ(s.records.size(), 1u);
  EXPECT_EQ(s.records[0].value.rows, 2);
  EXPECT_EQ(s.records[0].value.cols, 1);
  EXPECT_THAT(*s.records[0].value.data, ElementsAre(3, 7));
}

// The other way round: N on the [2, 2] argument next to a [2, 1] value is a
// [2, 2] zero tile (not one shaped like the [2, 1] input).
TEST(SparseOpsTest, MapEmptyIsLargerThanTheOtherInput) {
  Harness h;
  h.options.functional = true;
  int a = h.channel(4), b = h.channel(4), o = h.channel(4);
  h.op("map", {a, b}, {o});
  h.source(a, {Item{Value::empty(), 1}});
  h.source(b, {Item{tileOf(2, 1, {5, 6}), 1}});
  RegionBuilder r;
  int x = r.arg(tileType(2, 2));
  r.arg(tileType(2, 1));
  r.yield(x); // the zero tile itself: four zeros, not two
  *h.graph.mutable_operators(0)->add_regions() = r.region;
  Sink &s = h.sink(o);
  h.run();
  ASSERT_EQ(s.records.size(), 1u);
  EXPECT_EQ(s.records[0].value.rows, 2);
  EXPECT_EQ(s.records[0].value.cols, 2);
  EXPECT_THAT(*s.records[0].value.data, ElementsAre(0, 0, 0, 0));
}

// val_write stores N as a zero tile of its stream's value type.
TEST(SparseOpsTest, ValWriteEmptyIsAZeroBlock) {
  Harness h;
  int c = h.channel(4, tileStream(2, 2));
  proto::Operator &op = h.op("val_write", {c}, {});
  (*op.mutable_attrs())["tensor"] = strAttr("C");
  h.source(c, {Item{tileOf(2, 2, {1, 2, 3, 4}), 0},
               Item{Value::empty(), 1}});
  h.run();
  EXPECT_THAT(h.context().stored.at("C.vals").floats,
              ElementsAre(1, 2, 3, 4, 0, 0, 0, 0));
  EXPECT_EQ(h.context().offChipWritten, 32);
}

// Digest §2.4: [5,5,S0,5,S0,4,8,S0,4,3,S0,4,3,S1,D] -> [10,5,12,7,7,S0,D].
TEST(SparseOpsTest, ReduceDigestExample) {
  OneOp t("reduce", {"5, 5, S0, 5, S0, 4, 8, S0, 4, 3, S0, 4, 3, S1, D"}, 1,
          {true});
  t.attr("kind", strAttr("add"));
  t.h.run();
  EXPECT_EQ(t.out(0), "10, 5, 12, 7, 7, S0, D");
}

TEST(SparseOpsTest, ReduceEmptyFiberAndN) {
  OneOp t("reduce", {"N, S0, 2, N, 3, S0, S1, D"}, 1, {true});
  t.attr("kind", strAttr("add"));
  t.h.run();
  EXPECT_EQ(t.out(0), "0, 5, 0, S0, D");
  OneOp m("reduce", {"-1, -4, S0, 2, 9, S1, D"}, 1, {true});
  m.attr("kind", strAttr("max"));
  m.h.run();
  EXPECT_EQ(m.out(0), "-1, 9, S0, D");
}

// A bare stop one level up (an empty fiber of the result level, which a
// scanner below it turned from S1 into S2) is an element with an empty
// fiber to SAM's reducer (the extra 0); with `outer` it is only the stop.
// An element whose fiber is empty still gives 0.
TEST(SparseOpsTest, ReduceGuidedByOuter) {
  OneOp plain("reduce", {"1, 2, S1, S2, D"}, 1, {true});
  plain.attr("kind", strAttr("add"));
  plain.h.run();
  EXPECT_EQ(plain.out(0), "3, S0, 0, S1, D");
  OneOp t("reduce", {"1, 2, S1, S2, D", "0, S0, S1, D"}, 1, {true, false});
  t.attr("kind", strAttr("add"));
  t.h.run();
  EXPECT_EQ(t.out(0), "3, S0, S1, D");
  // Outer [[4, 5], [], [6]]: fibers [1], [] (a real 0), then the empty
  // middle fiber, then [2, N].
  OneOp u("reduce", {"1, S0, S1, S1, 2, N, S2, D", "4, 5, S0, S0, 6, S1, D"},
          1, {true, false});
  u.attr("kind", strAttr("add"));
  u.h.run();
  EXPECT_EQ(u.out(0), "1, 0, S0, S0, 2, S1, D");
  OneOp bad("reduce", {"1, S1, D", "0, 1, S0, D"}, 1, {true, false});
  bad.attr("kind", strAttr("add"));
  try {
    bad.h.run();
    FAIL() << "expected an error";
  } catch (const step::sim::InputError &e) {
    EXPECT_THAT(e.what(), HasSubstr("its inputs disagree"));
  }
}

// Digest §2.4 (order 1): result outer [0,2,S0,D], inner
// [0,2,3,S0,0,2,3,S1,D], vals [50,5,10,S0,0,37,44,S1,D]; the input [i][k][j]
// is ours (the digest's is abbreviated).
TEST(SparseOpsTest, SpaccOrder1DigestExample) {
  OneOp t("spacc",
          {"0, 2, 3, S0, 0, 2, 3, S1, 0, 2, 3, S0, 2, 3, S2, D",
           "0, 0, 0, S0, 0, 0, 0, S1, 2, 2, 2, S0, 2, 2, S2, D",
           "10, 2, 4, S0, 40, 3, 6, S1, 0, 30, 40, S0, 7, 4, S2, D"},
          3, {false, false, true});
  t.attr("order", intAttr(1));
  t.h.run();
  EXPECT_EQ(t.out(0), "0, 2, 3, S0, 0, 2, 3, S1, D");
  EXPECT_EQ(t.out(1), "0, 2, S0, D");
  EXPECT_EQ(t.out(2), "50, 5, 10, S0, 0, 37, 44, S1, D");
}

TEST(SparseOpsTest, SpaccSkipsEmptyBlocks) {
  // Block i=1 has no element: no coordinate; block 2's stop S2 raises the
  // pending stops. An all-empty input gives an empty outer fiber and no
  // inner fiber at all.
  OneOp t("spacc",
          {"3, S0, 1, S1, S0, S1, S2, D", "0, S0, 0, S1, S0, S1, S2, D",
           "1, S0, 2, S1, S0, S1, S2, D"},
          3, {false, false, true});
  t.attr("order", intAttr(1));
  t.h.run();
  EXPECT_EQ(t.out(0), "1, 3, S1, D");
  EXPECT_EQ(t.out(1), "0, S0, D");
  EXPECT_EQ(t.out(2), "2, 1, S1, D");
  OneOp z("spacc", {"S0, S2, D", "S0, S2, D", "S0, S2, D"}, 3,
          {false, false, true});
  z.attr("order", intAttr(1));
  z.h.run();
  EXPECT_EQ(z.out(0), "D");
  EXPECT_EQ(z.out(1), "S0, D");
  EXPECT_EQ(z.out(2), "D");
}

// Digest §2.4: outer [0,1,S0,D], inner [1,S0,S1,D] -> outer [0,S0,D].
TEST(SparseOpsTest, CrdDropDigestExample) {
  OneOp t("crd_drop", {"0, 1, S0, D", "1, S0, S1, D"}, 2);
  t.h.run();
  EXPECT_EQ(t.out(0), "0, S0, D");
  EXPECT_EQ(t.out(1), "1, S1, D");
}

TEST(SparseOpsTest, CrdDropLeadingEmptyAndAllEmpty) {
  OneOp t("crd_drop", {"0, 1, 2, S0, D", "S0, 4, 5, S0, N, S1, D"}, 2);
  t.h.run();
  EXPECT_EQ(t.out(0), "1, S0, D");
  EXPECT_EQ(t.out(1), "4, 5, S1, D");
  OneOp z("crd_drop", {"0, 1, S0, D", "S0, S1, D"}, 2);
  z.h.run();
  EXPECT_EQ(z.out(0), "S0, D");
  EXPECT_EQ(z.out(1), "D");
}

// Fork: elements round-robin with one counter, stops to every lane; join
// with depth 0 restores the stream.
TEST(SparseOpsTest, ForkAndJoinDepth0) {
  OneOp f("fork", {"0, 1, 2, S0, 3, S1, D"}, 2);
  f.h.run();
  EXPECT_EQ(f.out(0), "0, 2, S0, S1, D");
  EXPECT_EQ(f.out(1), "1, S0, 3, S1, D");
  OneOp j("join", {"0, 2, S0, S1, D", "1, S0, 3, S1, D"}, 1);
  j.attr("depth", intAttr(0));
  j.h.run();
  EXPECT_EQ(j.out(0), "0, 1, 2, S0, 3, S1, D");
}

// Join with depth 1: the lanes of a scanner after a fork of its references
// (the compressed-scanner example split over two lanes) give back the
// unforked scanner's output; a lane's merged stop ends only its own part.
TEST(SparseOpsTest, JoinDepth1MergesSubFibers) {
  OneOp j("join", {"0, 2, S0, 2, S1, D", "2, S1, D"}, 1);
  j.attr("depth", intAttr(1));
  j.h.run();
  EXPECT_EQ(j.out(0), "0, 2, S0, 2, S0, 2, S1, D");
  // A bare stop where a lane's sub-result starts is an empty sub-result
  // (every stop closes a fiber): [[1], [2], []] forked over two lanes.
  OneOp e("join", {"1, S0, S1, D", "2, S1, D"}, 1);
  e.attr("depth", intAttr(1));
  e.h.run();
  EXPECT_EQ(e.out(0), "1, S0, 2, S0, S1, D");
  // Two outer fibers, [[5], []] and [[], []].
  OneOp e2("join", {"5, S1, S1, D", "S1, S1, D"}, 1);
  e2.attr("depth", intAttr(1));
  e2.h.run();
  EXPECT_EQ(e2.out(0), "5, S0, S1, S0, S1, D");
  OneOp bad("join", {"5, S1, D", "7, S0, D"}, 1);
  bad.attr("depth", intAttr(1));
  EXPECT_THROW(bad.h.run(), step::sim::InputError);
}

TEST(SparseOpsTest, FiberAndValueWriters) {
  OneOp t("fiber_write", {"0, 2, S0, S0, 1, N, S1, D"}, 0);
  t.attr("tensor", strAttr("C"));
  t.attr("mode", intAttr(1));
  t.h.run();
  const auto &stored = t.h.context().stored;
  EXPECT_THAT(stored.at("C.mode_1_seg").ints, ElementsAre(0, 2, 2, 3));
  EXPECT_THAT(stored.at("C.mode_1_crd").ints, ElementsAre(0, 2, 1));
  OneOp v("val_write", {"1.5, 2, S0, S0, N, S1, D"}, 0, {true});
  v.attr("tensor", strAttr("C"));
  v.h.run();
  EXPECT_THAT(v.h.context().stored.at("C.vals").floats,
              ElementsAre(1.5f, 2.0f, 0.0f));
}

// SAM's ALU is map: stops pass through, N counts as 0, N op N is N.
TEST(SparseOpsTest, MapAsAluWithEmptyTokens) {
  OneOp t("map", {"1, N, 3, N, S0, S1, D", "10, 20, N, N, S0, S1, D"}, 1,
          {true, true});
  RegionBuilder r;
  int a = r.arg(tileType(1, 1)), b = r.arg(tileType(1, 1));
  r.yield(r.op("add", {a, b}, tileType(1, 1)));
  *t.op->add_regions() = r.region;
  t.h.run();
  EXPECT_EQ(t.out(0), "11, 20, 3, N, S0, S1, D");
}

TEST(SparseOpsTest, MapRejectsDifferentSparseStructures) {
  OneOp t("map", {"1, S0, D", "S0, D"}, 1, {true, true});
  RegionBuilder r;
  int a = r.arg(tileType(1, 1)), b = r.arg(tileType(1, 1));
  r.yield(r.op("mul", {a, b}, tileType(1, 1)));
  *t.op->add_regions() = r.region;
  EXPECT_THROW(t.h.run(), step::sim::InputError);
}

// Sparse components read STeP's fused stops too.
TEST(SparseOpsTest, FusedStopsAreRead) {
  Harness h;
  int in = h.channel(4), o0 = h.channel(4), o1 = h.channel(4);
  proto::Operator &op = h.op("fiber_lookup", {in}, {o0, o1});
  (*op.mutable_attrs())["tensor"] = strAttr("D");
  (*op.mutable_attrs())["mode"] = intAttr(1);
  (*op.mutable_attrs())["format"] = strAttr("dense");
  (*op.mutable_attrs())["dim"] = intAttr(2);
  h.source(in, {Item{Value::scalarValue(0), 0, 0, -1},
                Item{Value::scalarValue(1), 1, 0, -1}});
  Sink &s = h.sink(o0);
  h.sink(o1);
  h.run();
  EXPECT_EQ(samOf(s), "0, 1, S0, 0, 1, S1, D");
}

} // namespace
