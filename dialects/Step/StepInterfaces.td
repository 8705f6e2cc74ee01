//===- StepInterfaces.td - cost and FLOP interfaces --------*- tablegen -*-===//
//
// Interfaces every stream op and tile op implements: the STeP cost model
// (off-chip traffic, on-chip memory requirement) and tile-op FLOP counts.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_INTERFACES_TD
#define STEP_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Step_CostOpInterface : OpInterface<"CostOpInterface"> {
  let cppNamespace = "::mlir::step";
  let description = [{
    The symbolic cost of a stream operator, following STeP §4: the bytes it
    moves between off-chip memory and the fabric, and the on-chip memory it
    needs. Both are symbolic expressions over the graph's symbols; binding
    the symbols (for example from a routing trace) turns them into numbers.
    `CostOptions` selects between the accounting variants of the STeP
    artifact (mode 1 / mode 2, with or without FIFO capacity).
  }];
  let methods = [
    InterfaceMethod<"Bytes read from or written to off-chip memory.",
      "::step::sym::Expr", "getOffChipBytes", (ins), [{}], [{
        return ::step::sym::constant(0);
      }]>,
    InterfaceMethod<"On-chip memory this operator needs, in bytes.",
      "::step::sym::Expr", "getOnChipBytes",
      (ins "const ::mlir::step::CostOptions &":$options), [{}], [{
        return ::step::sym::constant(0);
      }]>,
  ];
}

def Step_TileOpInterface : OpInterface<"TileOpInterface"> {
  let cppNamespace = "::mlir::step";
  let description = [{
    A computation on tiles inside the region of `map`, `accum`, `scan` or
    `flatmap`. Each tile op knows its floating-point operation count, with
    the conventions of the STeP simulator (matmul 2*M*K*N; add, sub, mul, div
    one per output element; exp 4 and silu 8 per element; row-wise sum and
    max one per input element; retiling free).
  }];
  let methods = [
    InterfaceMethod<"Floating-point operations of one application.",
      "::step::sym::Expr", "getFlops", (ins)>,
  ];
}

#endif // STEP_INTERFACES_TD
