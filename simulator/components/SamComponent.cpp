//===- SamComponent.cpp - base of the sparse (SAM) components -------------===//
//
// SAM token reading over step channels and the bound sparse arrays.
//
//===----------------------------------------------------------------------===//

#include "simulator/components/SamComponent.h"

using namespace step::sim;

Task SamComponent::peekSam(size_t i, SamTok &t) {
  if (splitDone.size() < inputs.size())
    splitDone.resize(inputs.size(), false);
  const Token *h = co_await peek(in(i));
  t = SamTok();
  if (!h) {
    t.kind = SamTok::Done;
    co_return;
  }
  if (!h->value.isElement() || splitDone[i]) {
    if (h->stop == 0)
      error("input #" + std::to_string(i) +
            " carries a token with neither an element nor a stop");
    t.kind = SamTok::Stop;
    t.level = h->stop - 1;
  } else if (h->value.kind == Value::Kind::Empty) {
    t.kind = SamTok::Empty;
  } else {
    t.kind = SamTok::Val;
    t.value = h->value;
  }
}

Task SamComponent::popSam(size_t i) {
  if (splitDone.size() < inputs.size())
    splitDone.resize(inputs.size(), false);
  const Token *h = co_await peek(in(i));
  if (!h)
    error("input #" + std::to_string(i) + " read past its end");
  if (h->value.isElement() && h->stop > 0 && !splitDone[i]) {
    splitDone[i] = true;
    co_return;
  }
  splitDone[i] = false;
  co_await dequeue(in(i));
}

Component::Send SamComponent::sendTok(size_t o, const SamTok &t) {
  switch (t.kind) {
  case SamTok::Val:
    return sendVal(o, t.value);
  case SamTok::Stop:
    return sendStop(o, t.level);
  case SamTok::Empty:
    return sendEmpty(o);
  default:
    error("internal: sending a Done token");
  }
}

std::string SamComponent::describeTok(const SamTok &t) {
  switch (t.kind) {
  case SamTok::Val:
    return "value " + sam::formatElement(t.value);
  case SamTok::Stop:
    return "stop S" + std::to_string(t.level);
  case SamTok::Empty:
    return "empty token N";
  default:
    return "the end of the stream (D)";
  }
}

const std::vector<int64_t> &
SamComponent::intArray(const std::string &tensor,
                       const std::string &part) const {
  std::string name = tensor + "." + part;
  auto it = ctx.inputs.find(name);
  if (it == ctx.inputs.end())
    error("sparse tensor '" + tensor + "' has no bound array '" + name +
          "' (bind the tensor's directory with --bind " + tensor + "=DIR)");
  if (!it->second.isInteger)
    error("array '" + name + "' must hold integers");
  return it->second.ints;
}

const Tensor &SamComponent::valsOf(const std::string &tensor) const {
  std::string name = tensor + ".vals";
  auto it = ctx.inputs.find(name);
  if (it == ctx.inputs.end())
    error("sparse tensor '" + tensor + "' has no bound array '" + name +
          "' (bind the tensor's directory with --bind " + tensor + "=DIR)");
  return it->second;
}

Value SamComponent::tileOfChannel(int channel) const {
  auto ty = ctx.channelTypes.find(channel);
  if (ty != ctx.channelTypes.end() && ty->second->element().has_tile())
    return makeTile(ty->second->element());
  return Value::tile(1, 1, 4);
}

Value SamComponent::inputTileOf(size_t input) const {
  return static_cast<int>(input) < op.inputs_size()
             ? tileOfChannel(op.inputs(input))
             : Value::tile(1, 1, 4);
}

Value SamComponent::valueTileOf(size_t output) const {
  return static_cast<int>(output) < op.outputs_size()
             ? tileOfChannel(op.outputs(output))
             : Value::tile(1, 1, 4);
}
