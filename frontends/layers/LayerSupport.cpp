//===- LayerSupport.cpp - the frame of a layer function -------------------===//
//
// Creating, checking and finishing the function a layer builder fills, and
// the module that holds it.
//
//===----------------------------------------------------------------------===//

#include "frontends/layers/LayerSupport.h"
#include "frontends/layers/Layers.h"

#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace mlir::step;
using namespace mlir::step::frontends;

/// Discardable module attribute holding ScheduleOptions::channelDepth.
static constexpr llvm::StringLiteral kChannelDepthAttr = "step.channel_depth";

std::string mlir::step::frontends::layerName(llvm::StringRef prefix,
                                             const ScheduleOptions &options) {
  if (options.isDynamicTiling())
    return (prefix + "_dyn").str();
  return (prefix + "_tile" + llvm::Twine(*options.tileRows)).str();
}

func::FuncOp mlir::step::frontends::beginLayer(OpBuilder &builder, Location loc,
                                               LayerKind kind,
                                               const ModelConfig &config,
                                               const ScheduleOptions &options,
                                               llvm::StringRef name) {
  std::string error;
  if (failed(validate(kind, config, options, error))) {
    emitError(loc) << error;
    return {};
  }
  MLIRContext *ctx = builder.getContext();
  ctx->getOrLoadDialect<StepDialect>();
  ctx->getOrLoadDialect<func::FuncDialect>();
  auto func =
      builder.create<func::FuncOp>(loc, name, builder.getFunctionType({}, {}));
  builder.setInsertionPointToStart(func.addEntryBlock());
  return func;
}

func::FuncOp mlir::step::frontends::finishLayer(
    OpBuilder &builder, Location loc, func::FuncOp func,
    const StreamBuilder &streams, const ScheduleOptions &options) {
  builder.setInsertionPointAfter(func);
  auto discard = [&]() {
    func.erase();
    return func::FuncOp();
  };
  if (streams.failed())
    return discard();
  OpBuilder::atBlockEnd(&func.getBody().front()).create<func::ReturnOp>(loc);
  if (failed(verify(func)))
    return discard();
  if (options.channelDepth) {
    auto module = func->getParentOfType<ModuleOp>();
    if (!module) {
      emitError(loc) << "the channel depth is recorded on the module: build "
                        "the layer inside a module";
      return discard();
    }
    auto depth = builder.getI64IntegerAttr(*options.channelDepth);
    auto old = module->getAttrOfType<IntegerAttr>(kChannelDepthAttr);
    if (old && old != depth) {
      emitError(loc) << "the module already records channel depth "
                     << old.getInt() << ", this layer asks for "
                     << *options.channelDepth;
      return discard();
    }
    module->setAttr(kChannelDepthAttr, depth);
  }
  return func;
}

OwningOpRef<ModuleOp> mlir::step::frontends::buildLayerModule(
    MLIRContext *context, Location loc, LayerKind kind,
    const ModelConfig &config, const ScheduleOptions &options) {
  context->getOrLoadDialect<StepDialect>();
  context->getOrLoadDialect<func::FuncDialect>();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder builder = OpBuilder::atBlockEnd(module->getBody());
  func::FuncOp func =
      kind == LayerKind::MoE ? buildMoELayer(builder, loc, config, options)
      : kind == LayerKind::Attention
          ? buildAttentionDecode(builder, loc, config, options)
          : buildSwiGLUFFN(builder, loc, config, options);
  if (!func)
    return nullptr;
  return module;
}
