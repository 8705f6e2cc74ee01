//===- FusedIndexSpace.h - FuseFlow's IR #1 over one fusion region -*- C++
//-*-===//
//
// The fused index space of one fusion-region function (FuseFlow, paper §5,
// Alg. 1; reference/fuseflow.md §3.2): every loop dimension of every linalg
// op gets a unique variable; the variables that must be the same loop are
// unioned (each op's operands share its affine dims, and a use of a linalg
// result is inlined: the consumer's dims are unioned with the producer's
// output dims, once per use: a result used twice inlines a copy of its
// producer); the classes are the logical index variables. A partial-order
// graph (POG) over them collects the storage (mode) order of every sparse
// operand and, optionally, each op's dataflow order (the order of its affine
// dims). Its topological sorts are the concordant global loop orders.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_PASSES_FUSEDINDEXSPACE_H
#define STEP_PASSES_FUSEDINDEXSPACE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::step {

struct FusedIndexSpaceOptions {
  /// Add an edge between consecutive affine dims of every op (Alg. 1 step 3).
  bool dataflowEdges = true;
  /// Inline a result into each further use as a copy of its producer (and
  /// of the producer's producers), with fresh variables, as substitution
  /// into the fused Einsum does (Alg. 1 step 2). Off: all uses of a result
  /// share the producer's variables, as in FuseFlow's released code.
  bool copyPerUse = true;
};

class FusedIndexSpace {
public:
  /// One loop dimension `d<dim>` of the `opIndex`-th op instance.
  struct LoopDim {
    unsigned opIndex;
    unsigned dim;
    bool reduction;
  };
  /// A logical index variable: a class of unioned loop dims.
  struct IndexVar {
    std::string name;                    // u<N> when `reduction`, else i<N>
    llvm::SmallVector<unsigned> members; // indices into getLoopDims()
    /// A local reduction of the fused expression: some member is a reduction
    /// dim and the variable does not index a result the function returns.
    bool reduction = false;
  };
  /// A POG edge between index variables: `from` is outside `to`.
  struct Edge {
    unsigned from, to;
    llvm::SmallVector<std::string> origins; // why, one line each, deduplicated
  };

  /// Analyzes the linalg ops of `func` (linalg.fill is an initializer and is
  /// skipped). Emits an error naming the op and fails on what it cannot
  /// model: an index map result that is not a plain loop dim, a sparse
  /// encoding whose dimToLvl map is not a permutation, more than 256 op
  /// instances after inlining every use. A cycle is not a failure here:
  /// ask findCycle().
  static FailureOr<FusedIndexSpace> build(func::FuncOp func,
                                          const FusedIndexSpaceOptions &opts);

  /// The op instances: instance k < (number of linalg ops) is the k-th op
  /// in program order; later ones are copies made by inlining a result
  /// into a further use.
  llvm::ArrayRef<Operation *> getOps() const { return ops; }
  /// `%N (linalg.matmul)`, as the values print in the function, plus
  /// ` copy C` for a copy.
  llvm::StringRef getOpLabel(unsigned opIndex) const { return labels[opIndex]; }
  /// `op<N>` for op N in program order, `op<N>#<C>` for its C-th copy.
  std::string getInstanceName(unsigned opIndex) const {
    std::string s = "op" + std::to_string(opNumber[opIndex]);
    if (copyNumber[opIndex])
      s += "#" + std::to_string(copyNumber[opIndex]);
    return s;
  }
  llvm::ArrayRef<LoopDim> getLoopDims() const { return loopDims; }
  llvm::ArrayRef<IndexVar> getIndexVars() const { return vars; }
  llvm::ArrayRef<Edge> getEdges() const { return edges; }
  /// The index variable of loop dim `dim` of the `opIndex`-th op.
  unsigned getVar(unsigned opIndex, unsigned dim) const;

  /// A cycle of the POG as index variables v0 -> v1 -> ... -> v0 (the
  /// first variable is not repeated), or nothing when the POG is acyclic.
  std::optional<llvm::SmallVector<unsigned>> findCycle() const;
  /// The first `max` topological sorts in lexicographic order of variable
  /// numbers (variables are numbered by first appearance). Empty on a cycle.
  llvm::SmallVector<llvm::SmallVector<unsigned>>
  enumerateOrders(unsigned max) const;
  /// The number of topological sorts, when there are at most 20 variables.
  std::optional<uint64_t> countOrders() const;
  /// The origins of the edge from -> to (empty when there is none).
  llvm::ArrayRef<std::string> getEdgeOrigins(unsigned from, unsigned to) const;

private:
  llvm::SmallVector<Operation *> ops;
  llvm::SmallVector<std::string> labels;
  llvm::SmallVector<unsigned> opNumber, copyNumber;
  llvm::SmallVector<LoopDim> loopDims;
  llvm::SmallVector<unsigned> firstDim; // per op, index of its d0 in loopDims
  llvm::SmallVector<unsigned> varOfDim; // loop dim -> index variable
  llvm::SmallVector<IndexVar> vars;
  llvm::SmallVector<Edge> edges;
};

/// The functions the fusion passes analyze: those marked
/// `step.fusion_region` (the PyTorch frontend marks them), or, when none is
/// marked (hand-written input), every function holding a linalg op.
llvm::SmallVector<func::FuncOp> collectFusionRegions(ModuleOp module);

} // namespace mlir::step

#endif // STEP_PASSES_FUSEDINDEXSPACE_H
