//===- BayesOpt.cpp - BaCO-style Bayesian optimisation --------------------===//
//
// After a design of experiments (the baseline and random schedules), each
// iteration fits a Gaussian process (Matern 5/2, unit signal variance on
// standardized log cycles, lengthscale chosen from a grid by marginal
// likelihood) to the feasible samples, and simulates the unseen schedule
// maximising EI x P(feasible), where P(feasible) comes from a k-nearest-
// neighbour classifier over every sample; candidates under
// --feasibility-threshold are skipped while others remain (BaCO's rule).
// Ordinal parameters are encoded as their position in [0,1], categorical
// ones one-hot. The acquisition is maximised over every unseen schedule
// when the space has at most 20000, else over 4000 random ones plus every
// single-parameter change of the five best samples.
//
//===----------------------------------------------------------------------===//

#include "tuner/Search.h"

#include <Eigen/Cholesky>
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace step::tune {

namespace bo {

std::vector<double> encode(const Space &space, const Schedule &s) {
  std::vector<double> x;
  for (size_t p = 0; p < space.params.size(); ++p) {
    const Param &param = space.params[p];
    size_t n = param.values.size();
    if (param.kind == Param::Kind::Ordinal)
      x.push_back(n > 1 ? double(s[p]) / double(n - 1) : 0.0);
    else
      for (size_t v = 0; v < n; ++v)
        x.push_back(static_cast<int>(v) == s[p] ? 1.0 : 0.0);
  }
  return x;
}

static double dist2(const std::vector<double> &a,
                    const std::vector<double> &b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i)
    d += (a[i] - b[i]) * (a[i] - b[i]);
  return d;
}

double feasibility(const std::vector<std::vector<double>> &xs,
                   const std::vector<bool> &feasible,
                   const std::vector<double> &x, int k) {
  std::vector<std::pair<double, size_t>> d;
  for (size_t i = 0; i < xs.size(); ++i)
    d.push_back({dist2(xs[i], x), i});
  std::stable_sort(d.begin(), d.end(),
                   [](auto &a, auto &b) { return a.first < b.first; });
  int kk = std::min<int>(k, static_cast<int>(d.size()));
  int good = 0;
  for (int i = 0; i < kk; ++i)
    good += feasible[d[i].second] ? 1 : 0;
  return (good + 1.0) / (kk + 2.0);
}

double expectedImprovement(double mean, double sd, double best) {
  if (sd <= 1e-12)
    return std::max(0.0, best - mean);
  double z = (best - mean) / sd;
  double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
  double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * M_PI);
  return (best - mean) * cdf + sd * pdf;
}

} // namespace bo

namespace {

double matern52(double r2, double l) {
  double r = std::sqrt(r2) / l;
  double s5 = std::sqrt(5.0) * r;
  return (1 + s5 + 5.0 * r * r / 3.0) * std::exp(-s5);
}

struct Gp {
  Eigen::MatrixXd X; // n x d
  Eigen::VectorXd alpha;
  Eigen::LLT<Eigen::MatrixXd> llt;
  double lengthscale = 0.5;
  double noise = 1e-4;

  Eigen::MatrixXd kernel(const Eigen::MatrixXd &A,
                         const Eigen::MatrixXd &B) const {
    Eigen::MatrixXd K(A.rows(), B.rows());
    for (Eigen::Index i = 0; i < A.rows(); ++i)
      for (Eigen::Index j = 0; j < B.rows(); ++j)
        K(i, j) = matern52((A.row(i) - B.row(j)).squaredNorm(), lengthscale);
    return K;
  }

  /// Log marginal likelihood of y under lengthscale `l` (fits on success).
  double fit(const Eigen::MatrixXd &x, const Eigen::VectorXd &y, double l) {
    X = x;
    lengthscale = l;
    Eigen::MatrixXd K = kernel(X, X);
    K.diagonal().array() += noise;
    llt.compute(K);
    if (llt.info() != Eigen::Success)
      return -std::numeric_limits<double>::infinity();
    alpha = llt.solve(y);
    Eigen::MatrixXd L = llt.matrixL();
    return -0.5 * y.dot(alpha) - L.diagonal().array().log().sum() -
           0.5 * y.size() * std::log(2 * M_PI);
  }

  void predict(const Eigen::MatrixXd &Xs, Eigen::VectorXd &mean,
               Eigen::VectorXd &sd) const {
    Eigen::MatrixXd Ks = kernel(Xs, X); // m x n
    mean = Ks * alpha;
    Eigen::MatrixXd v = llt.matrixL().solve(Ks.transpose()); // n x m
    sd.resize(Xs.rows());
    for (Eigen::Index i = 0; i < Xs.rows(); ++i)
      sd(i) = std::sqrt(std::max(1e-12, 1.0 - v.col(i).squaredNorm()));
  }
};

} // namespace

SearchResult runBayesOpt(Harness &h, const SearchOptions &o) {
  std::mt19937_64 rng(o.seed);
  const Workload &w = h.workload();
  const Space &space = w.space();
  // Design of experiments.
  std::vector<Schedule> doe = {w.canonical(w.baseline())};
  std::set<Schedule> picked(doe.begin(), doe.end());
  for (size_t tries = 0;
       doe.size() < size_t(std::max(1, o.initialSamples)) && tries < 10000;
       ++tries) {
    Schedule s = w.canonical(space.random(rng));
    if (picked.insert(s).second)
      doe.push_back(s);
  }
  h.evaluate(doe);
  bool enumerate = space.size() <= 20000;
  while (!h.exhausted()) {
    const std::vector<Sample> &hist = h.history();
    std::vector<std::vector<double>> xs;
    std::vector<bool> feas;
    std::vector<size_t> good;
    for (size_t i = 0; i < hist.size(); ++i) {
      xs.push_back(bo::encode(space, hist[i].schedule));
      feas.push_back(hist[i].metrics.feasible);
      if (hist[i].metrics.feasible)
        good.push_back(i);
    }
    // Candidates.
    std::vector<Schedule> cands;
    if (enumerate) {
      for (uint64_t i = 0; i < space.size(); ++i) {
        Schedule s = w.canonical(space.decode(i));
        if (!h.seen(s))
          cands.push_back(s);
      }
    } else {
      std::set<Schedule> seenHere;
      for (int i = 0; i < 4000; ++i) {
        Schedule s = w.canonical(space.random(rng));
        if (!h.seen(s) && seenHere.insert(s).second)
          cands.push_back(s);
      }
      std::vector<size_t> order = good;
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return hist[a].metrics.cycles < hist[b].metrics.cycles;
      });
      for (size_t k = 0; k < order.size() && k < 5; ++k)
        for (const Transformation &t : space.moves(hist[order[k]].schedule)) {
          Schedule s = w.canonical(space.apply(hist[order[k]].schedule, t));
          if (!h.seen(s) && seenHere.insert(s).second)
            cands.push_back(s);
        }
    }
    if (cands.empty())
      break;
    size_t d = xs[0].size();
    Eigen::MatrixXd C(cands.size(), d);
    for (size_t i = 0; i < cands.size(); ++i) {
      std::vector<double> x = bo::encode(space, cands[i]);
      for (size_t j = 0; j < d; ++j)
        C(i, j) = x[j];
    }
    Eigen::VectorXd ei = Eigen::VectorXd::Constant(cands.size(), 1.0);
    if (good.size() >= 2) {
      Eigen::MatrixXd X(good.size(), d);
      Eigen::VectorXd y(good.size());
      for (size_t i = 0; i < good.size(); ++i) {
        for (size_t j = 0; j < d; ++j)
          X(i, j) = xs[good[i]][j];
        y(i) = std::log(double(hist[good[i]].metrics.cycles));
      }
      double mu = y.mean();
      double sdev = std::sqrt((y.array() - mu).square().sum() / y.size());
      if (sdev < 1e-12)
        sdev = 1;
      y = (y.array() - mu) / sdev;
      Gp gp;
      double bestL = 0.5, bestLml = -std::numeric_limits<double>::infinity();
      for (double l : {0.05, 0.1, 0.2, 0.4, 0.8, 1.6}) {
        double lml = gp.fit(X, y, l);
        if (lml > bestLml) {
          bestLml = lml;
          bestL = l;
        }
      }
      gp.fit(X, y, bestL);
      Eigen::VectorXd mean, sd;
      gp.predict(C, mean, sd);
      double best = y.minCoeff();
      for (size_t i = 0; i < cands.size(); ++i)
        ei(i) = bo::expectedImprovement(mean(i), sd(i), best);
    }
    // EI x P(feasible), skipping unlikely-feasible candidates while any
    // other is left; first maximum in candidate order.
    size_t pick = 0;
    double bestScore = -1;
    bool anyOver = false;
    std::vector<double> pf(cands.size());
    for (size_t i = 0; i < cands.size(); ++i) {
      std::vector<double> x(d);
      for (size_t j = 0; j < d; ++j)
        x[j] = C(i, j);
      pf[i] = bo::feasibility(xs, feas, x, o.neighbours);
      anyOver = anyOver || pf[i] >= o.feasibilityThreshold;
    }
    for (size_t i = 0; i < cands.size(); ++i) {
      if (anyOver && pf[i] < o.feasibilityThreshold)
        continue;
      double score = ei(i) * pf[i];
      if (score > bestScore) {
        bestScore = score;
        pick = i;
      }
    }
    h.evaluate({cands[pick]});
  }
  return {};
}

} // namespace step::tune
