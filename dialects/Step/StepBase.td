//===- StepBase.td - the step dialect definition -----------*- tablegen -*-===//
//
// The `step` dialect: streaming tensor programs (STeP) for spatial dataflow
// accelerators. This file holds only the dialect record so that types, attrs,
// interfaces and ops can include it without cycles.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_BASE_TD
#define STEP_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Step_Dialect : Dialect {
  let name = "step";
  let cppNamespace = "::mlir::step";
  let summary = "Streaming tensor programs for spatial dataflow accelerators";
  let description = [{
    The `step` dialect models a program as a graph of operators joined by
    streams (single-producer single-consumer FIFOs). A stream of rank r carries
    zero or more (r+1)-dimensional tensors of elements, outermost dimension
    first; its shape is a list of symbolic integer expressions (static,
    dynamic-regular or ragged). Elements are tiles, selectors, buffer
    references and tuples. Operators follow the STeP abstraction (Sohn et al.,
    ASPLOS'26): off-chip and on-chip memory operators, dynamic routing and
    merging, higher-order operators carrying regions of tile computation, and
    shape operators. See `dialects/Step/README.md`.
  }];
  let useDefaultTypePrinterParser = 1;
  let extraClassDeclaration = [{
  private:
    void registerTypes();
  public:
  }];
}

class Step_Op<string mnemonic, list<Trait> traits = []>
    : Op<Step_Dialect, mnemonic, traits>;

#endif // STEP_BASE_TD
