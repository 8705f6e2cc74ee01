//===- SimGraphExport.cpp - step dialect to SimGraph ----------------------===//
//
// Walks a function's step operators in program order, numbers operators and
// streams, and writes types, attributes and regions into the protobuf graph.
//
//===----------------------------------------------------------------------===//

#include "translate/SimGraphExport.h"

#include "dialects/Step/StepOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::step;
namespace pb = ::step::sim::proto;

namespace {

FailureOr<pb::Scalar> scalarOf(Type t, Operation *op) {
  if (t.isF32())
    return pb::F32;
  if (t.isBF16())
    return pb::BF16;
  if (t.isF16())
    return pb::F16;
  if (t.isF64())
    return pb::F64;
  if (t.isInteger(1))
    return pb::I1;
  if (t.isInteger(8))
    return pb::I8;
  if (t.isInteger(16))
    return pb::I16;
  if (t.isInteger(32))
    return pb::I32;
  if (t.isInteger(64))
    return pb::I64;
  return op->emitError() << "the simulator has no scalar type " << t;
}

LogicalResult exportType(Type t, pb::ElementType &out, Operation *op);

LogicalResult exportStream(StreamType s, pb::StreamType &out, Operation *op) {
  for (sym::Expr d : s.getShape())
    out.add_shape()->set_expr(d.str());
  return exportType(s.getElementType(), *out.mutable_element(), op);
}

LogicalResult exportType(Type t, pb::ElementType &out, Operation *op) {
  if (auto tile = dyn_cast<TileType>(t)) {
    pb::TileType *p = out.mutable_tile();
    p->mutable_rows()->set_expr(tile.getRows().str());
    p->mutable_cols()->set_expr(tile.getCols().str());
    auto s = scalarOf(tile.getElementType(), op);
    if (failed(s))
      return failure();
    p->set_scalar(*s);
    return success();
  }
  if (auto sel = dyn_cast<SelectorType>(t)) {
    out.mutable_selector()->set_width(sel.getWidth());
    out.mutable_selector()->set_hot(sel.getHot());
    return success();
  }
  if (auto buf = dyn_cast<BufferType>(t)) {
    pb::BufferType *p = out.mutable_buffer();
    for (sym::Expr d : buf.getShape())
      p->add_shape()->set_expr(d.str());
    p->set_off_chip(buf.getOffChip());
    return exportType(buf.getElementType(), *p->mutable_element(), op);
  }
  if (auto tuple = dyn_cast<ElemTupleType>(t)) {
    for (Type e : tuple.getElements())
      if (failed(exportType(e, *out.mutable_tuple()->add_elements(), op)))
        return failure();
    return success();
  }
  if (auto stream = dyn_cast<StreamType>(t))
    return exportStream(stream, *out.mutable_stream(), op);
  if (isa<CrdType>(t)) {
    out.set_sparse(pb::SPARSE_CRD);
    return success();
  }
  if (isa<RefType>(t)) {
    out.set_sparse(pb::SPARSE_REF);
    return success();
  }
  auto s = scalarOf(t, op);
  if (failed(s))
    return failure();
  out.set_scalar(*s);
  return success();
}

LogicalResult exportAttr(Attribute a, pb::Attr &out, Operation *op) {
  if (auto i = dyn_cast<IntegerAttr>(a)) {
    out.set_i(i.getValue().getSExtValue());
    return success();
  }
  if (auto f = dyn_cast<FloatAttr>(a)) {
    out.set_f(f.getValueAsDouble());
    return success();
  }
  if (auto s = dyn_cast<StringAttr>(a)) {
    out.set_s(s.str());
    return success();
  }
  if (isa<UnitAttr>(a)) {
    out.set_b(true);
    return success();
  }
  if (auto arr = dyn_cast<DenseI64ArrayAttr>(a)) {
    for (int64_t v : arr.asArrayRef())
      out.mutable_ints()->add_values(v);
    return success();
  }
  if (auto arr = dyn_cast<DenseI32ArrayAttr>(a)) {
    // e.g. operandSegmentSizes of ops with several variadic operands.
    for (int32_t v : arr.asArrayRef())
      out.mutable_ints()->add_values(v);
    return success();
  }
  if (auto arr = dyn_cast<ArrayAttr>(a)) {
    for (Attribute e : arr) {
      auto s = dyn_cast<StringAttr>(e);
      if (!s)
        return op->emitError() << "cannot export array attribute " << a;
      out.mutable_strings()->add_values(s.str());
    }
    return success();
  }
  if (auto t = dyn_cast<TypeAttr>(a))
    return exportType(t.getValue(), *out.mutable_type(), op);
  return op->emitError() << "cannot export attribute " << a;
}

LogicalResult exportAttrs(Operation *op,
                          google::protobuf::Map<std::string, pb::Attr> &out) {
  for (NamedAttribute na : op->getAttrs())
    if (failed(exportAttr(na.getValue(), out[na.getName().str()], op)))
      return failure();
  return success();
}

std::string locationOf(Operation *op) {
  if (auto loc = dyn_cast<FileLineColLoc>(op->getLoc()))
    return (loc.getFilename().str() + ":" + std::to_string(loc.getLine()) +
            ":" + std::to_string(loc.getColumn()));
  std::string s;
  llvm::raw_string_ostream os(s);
  os << op->getLoc();
  return s;
}

LogicalResult exportRegion(Region &region, pb::Region &out, Operation *owner) {
  if (!region.hasOneBlock())
    return owner->emitError("expected regions with one block");
  Block &block = region.front();
  llvm::DenseMap<Value, int> number;
  for (BlockArgument arg : block.getArguments()) {
    number[arg] = number.size();
    if (failed(exportType(arg.getType(), *out.add_args(), owner)))
      return failure();
  }
  for (Operation &op : block) {
    if (auto yield = dyn_cast<YieldOp>(op)) {
      for (Value v : yield.getValues())
        out.add_yields(number.lookup(v));
      continue;
    }
    if (op.getNumResults() != 1 || op.getNumRegions() != 0)
      return op.emitError("cannot export this op in a tile region");
    pb::TileOp *t = out.add_ops();
    t->set_kind(op.getName().stripDialect().str());
    for (Value v : op.getOperands()) {
      auto it = number.find(v);
      if (it == number.end())
        return op.emitError("tile ops may only use values of their region");
      t->add_operands(it->second);
    }
    if (failed(exportAttrs(&op, *t->mutable_attrs())) ||
        failed(exportType(op.getResult(0).getType(), *t->mutable_result(), &op)))
      return failure();
    number[op.getResult(0)] = number.size();
  }
  return success();
}

} // namespace

LogicalResult mlir::step::exportSimGraph(ModuleOp module, StringRef funcName,
                                         pb::SimGraph &graph) {
  func::FuncOp func;
  SmallVector<func::FuncOp> candidates;
  module.walk([&](func::FuncOp f) {
    bool hasStep = false;
    f.walk([&](Operation *op) {
      if (isa<StepDialect>(op->getDialect()))
        hasStep = true;
    });
    if (!funcName.empty() ? f.getSymName() == funcName : hasStep)
      candidates.push_back(f);
  });
  if (candidates.empty())
    return module.emitError() << (funcName.empty()
                                      ? std::string("no function holds step "
                                                    "operators")
                                      : "no function named '" +
                                            funcName.str() + "'");
  if (candidates.size() > 1)
    return candidates[1].emitError()
           << "several functions hold step operators; choose one with "
              "--function (first: @"
           << candidates[0].getSymName() << ")";
  func = candidates.front();
  for (BlockArgument arg : func.getArguments())
    if (isa<StreamType>(arg.getType()))
      return func.emitError()
             << "stream argument #" << arg.getArgNumber()
             << " has no producer: a simulated graph reads its inputs with "
                "loads or runtime-input sources (select_gen, metadata_gen)";

  // Single consumers and consistent types first.
  PassManager pm(module.getContext());
  pm.addPass(createStepInsertBroadcast());
  pm.addPass(createStepVerifyGraph());
  if (failed(pm.run(module)))
    return failure();

  graph.set_name(func.getSymName().str());
  // Feedback edges and shape assumptions are no operators: their results
  // alias the stream they stand for (the connected value, the input).
  llvm::DenseMap<Value, Value> connected;
  for (Operation &op : func.getBody().front())
    if (auto c = dyn_cast<FeedbackConnectOp>(op))
      connected[c.getFeedback()] = c.getValue();
  auto resolve = [&](Value v) {
    for (unsigned steps = 0; steps <= connected.size() + 1; ++steps) {
      if (auto fb = v.getDefiningOp<FeedbackOp>())
        v = connected.lookup(fb.getResult());
      else if (auto a = v.getDefiningOp<AssumeShapeOp>())
        v = a.getInput();
      else
        return v;
      if (!v)
        return v;
    }
    return Value();
  };
  auto isAlias = [](Operation &op) {
    return isa<FeedbackOp, FeedbackConnectOp, AssumeShapeOp>(op);
  };
  std::optional<int64_t> moduleDepth;
  if (auto d = module->getAttrOfType<IntegerAttr>("step.channel_depth"))
    moduleDepth = d.getInt();
  llvm::DenseMap<Operation *, int> opId;
  llvm::DenseMap<Value, int> channelId;
  for (Operation &op : func.getBody().front()) {
    if (isa<func::ReturnOp>(op) || isAlias(op))
      continue;
    if (!isa<StepDialect>(op.getDialect()))
      return op.emitError("the simulator only runs step operators");
    int id = opId.size();
    opId[&op] = id;
    for (Value r : op.getResults()) {
      auto stream = dyn_cast<StreamType>(r.getType());
      if (!stream)
        return op.emitError("expected stream results");
      if (r.use_empty())
        continue;
      int cid = channelId.size();
      channelId[r] = cid;
      pb::Channel *ch = graph.add_channels();
      ch->set_id(cid);
      ch->set_producer(id);
      ch->set_consumer(-1);
      if (moduleDepth)
        ch->set_depth(*moduleDepth);
      if (auto b = dyn_cast<BroadcastOp>(op))
        if (auto depths = b.getDepths())
          if (int64_t d = (*depths)[cast<OpResult>(r).getResultNumber()])
            ch->set_depth(d);
      if (failed(exportStream(stream, *ch->mutable_type(), &op)))
        return failure();
    }
  }
  for (Operation &op : func.getBody().front()) {
    if (isa<func::ReturnOp>(op)) {
      if (op.getNumOperands())
        return op.emitError("a simulated graph returns nothing: store its "
                            "results with linear_store");
      continue;
    }
    if (isAlias(op))
      continue;
    pb::Operator *o = graph.add_operators();
    o->set_id(opId[&op]);
    o->set_kind(op.getName().stripDialect().str());
    o->set_location(locationOf(&op));
    if (failed(exportAttrs(&op, *o->mutable_attrs())))
      return failure();
    for (Value v : op.getOperands()) {
      Value real = resolve(v);
      auto found = real ? channelId.find(real) : channelId.end();
      if (found == channelId.end())
        return op.emitError("an operand is a feedback stream that no "
                            "step.feedback_connect supplies");
      int cid = found->second;
      o->add_inputs(cid);
      graph.mutable_channels(cid)->set_consumer(opId[&op]);
    }
    for (Value r : op.getResults()) {
      auto found = channelId.find(r);
      o->add_outputs(found == channelId.end() ? -1 : found->second);
    }
    for (Region &region : op.getRegions())
      if (failed(exportRegion(region, *o->add_regions(), &op)))
        return failure();
  }
  return success();
}
