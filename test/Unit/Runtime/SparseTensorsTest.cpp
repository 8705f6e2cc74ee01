//===- SparseTensorsTest.cpp - sparse tensor directories ------------------===//
//
// loadSparseTensor / loadBindings on sparse tensor directories
// (runtime/README.md, "Sparse tensors"): the bound names, and every
// rejection with the file it names.
//
//===----------------------------------------------------------------------===//

#include "runtime/Tensors.h"
#include "simulator/Error.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <dirent.h>
#include <unistd.h>

using namespace step;

namespace {

sim::Tensor ints(std::vector<int64_t> v) {
  sim::Tensor t;
  t.isInteger = true;
  t.shape = {static_cast<int64_t>(v.size())};
  t.ints = std::move(v);
  return t;
}

sim::Tensor floats(std::vector<float> v) {
  sim::Tensor t;
  t.shape = {static_cast<int64_t>(v.size())};
  t.floats = std::move(v);
  return t;
}

class SparseTensorsTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "step-sparse-XXXXXX";
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    ASSERT_NE(::mkdtemp(name.data()), nullptr);
    dir = name.data();
  }
  void TearDown() override {
    if (DIR *d = ::opendir(dir.c_str())) {
      while (dirent *e = ::readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
          ::unlink((dir + "/" + e->d_name).c_str());
      ::closedir(d);
    }
    ::rmdir(dir.c_str());
  }
  void save(const std::string &stem, const sim::Tensor &t) {
    runtime::saveNpy(dir + "/" + stem + ".npy", t, /*overwrite=*/true);
  }
  /// A 3x4 CSR matrix with an empty row.
  void csr() {
    save("shape", ints({3, 4}));
    save("mode_1_seg", ints({0, 2, 2, 5}));
    save("mode_1_crd", ints({0, 2, 1, 2, 3}));
    save("vals", floats({1, 2, 3, 4, 5}));
  }
  std::string loadError() {
    try {
      sim::RuntimeInputs in;
      runtime::loadSparseTensor(dir, "A", in);
    } catch (const sim::InputError &e) {
      return e.what();
    }
    return "no error";
  }
  std::string dir;
};

TEST_F(SparseTensorsTest, BindsEveryArrayUnderTheTensorName) {
  csr();
  sim::RuntimeInputs in = runtime::loadBindings({"A=" + dir});
  ASSERT_EQ(in.size(), 4u);
  EXPECT_EQ(in.at("A.shape").ints, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(in.at("A.mode_1_seg").ints, (std::vector<int64_t>{0, 2, 2, 5}));
  EXPECT_EQ(in.at("A.mode_1_crd").ints, (std::vector<int64_t>{0, 2, 1, 2, 3}));
  EXPECT_EQ(in.at("A.vals").floats, (std::vector<float>{1, 2, 3, 4, 5}));
}

TEST_F(SparseTensorsTest, DenseVectorNeedsOnlyShapeAndVals) {
  save("shape", ints({4}));
  save("vals", floats({1, 2, 3, 4}));
  EXPECT_EQ(loadError(), "no error");
  save("vals", floats({1, 2, 3}));
  EXPECT_EQ(loadError(), dir + "/vals.npy: expected 4 values (one per stored "
                               "position of the last level), got 3");
}

TEST_F(SparseTensorsTest, RejectionsNameTheFile) {
  EXPECT_EQ(loadError(), dir + "/shape.npy: missing (a sparse tensor "
                               "directory needs shape.npy)");
  csr();
  ::unlink((dir + "/mode_1_crd.npy").c_str());
  EXPECT_EQ(loadError(), dir + "/mode_1_crd.npy: missing (a compressed level "
                               "needs mode_1_seg.npy and mode_1_crd.npy)");
  csr();
  save("mode_1_seg", ints({0, 2, 5}));
  EXPECT_EQ(loadError(), dir + "/mode_1_seg.npy: expected 4 entries (one per "
                               "fiber of the level above, plus one), got 3");
  save("mode_1_seg", ints({0, 3, 2, 5}));
  EXPECT_EQ(loadError(), dir + "/mode_1_seg.npy: decreases at entry 2");
  save("mode_1_seg", ints({0, 2, 2, 4}));
  EXPECT_EQ(loadError(), dir + "/mode_1_seg.npy: ends at 4 but " + dir +
                             "/mode_1_crd.npy has 5 coordinates");
  csr();
  save("mode_1_crd", ints({0, 2, 1, 2, 4}));
  EXPECT_EQ(loadError(), dir + "/mode_1_crd.npy: coordinate 4 at entry 4 is "
                               "outside [0, 4)");
  csr();
  save("vals", ints({1, 2, 3, 4, 5}));
  EXPECT_EQ(loadError(), dir + "/vals.npy: expected float values");
}

TEST_F(SparseTensorsTest, DcsrCountsFibersFromTheLevelAbove) {
  // Level 0 compressed (rows 0 and 2), level 1 compressed.
  save("shape", ints({3, 4}));
  save("mode_0_seg", ints({0, 2}));
  save("mode_0_crd", ints({0, 2}));
  save("mode_1_seg", ints({0, 2, 5}));
  save("mode_1_crd", ints({0, 2, 1, 2, 3}));
  save("vals", floats({1, 2, 3, 4, 5}));
  EXPECT_EQ(loadError(), "no error");
}

} // namespace
