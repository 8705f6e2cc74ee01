//===- TileProgram.cpp - regions of tile ops ------------------------------===//
//
// Shape rules and FLOPs of the tile ops at run time, and their reference
// implementations (plain loops over float data, f32 throughout).
//
//===----------------------------------------------------------------------===//

#include "simulator/TileProgram.h"

#include "simulator/Error.h"

#include <algorithm>
#include <cmath>
#include <map>

using namespace step::sim;

int64_t step::sim::scalarBytes(proto::Scalar s) {
  switch (s) {
  case proto::F64:
  case proto::I64:
    return 8;
  case proto::F32:
  case proto::I32:
    return 4;
  case proto::BF16:
  case proto::F16:
  case proto::I16:
    return 2;
  default:
    return 1;
  }
}

namespace {
int64_t staticDim(const proto::Dim &d) {
  const std::string &s = d.expr();
  if (s.empty() || !std::all_of(s.begin(), s.end(), ::isdigit))
    return -1;
  return std::stoll(s);
}

using Data = std::vector<float>;

std::shared_ptr<const Data> zerosData(int64_t n) {
  return std::make_shared<Data>(static_cast<size_t>(n), 0.0f);
}

float at(const Value &v, int64_t r, int64_t c) {
  return (*v.data)[static_cast<size_t>(r * v.cols + c)];
}
} // namespace

TileProgram::TileProgram(const proto::Region &region, const std::string &where,
                         bool accumulating)
    : where(where) {
  static const std::map<std::string, Op::Kind> kinds = {
      {"matmul", Op::Matmul},   {"add", Op::Add},
      {"sub", Op::Sub},         {"mul", Op::Mul},
      {"div", Op::Div},         {"exp", Op::Exp},
      {"max", Op::Max},         {"log", Op::Log},
      {"neg", Op::Neg},         {"const", Op::Const},
      {"silu", Op::Silu},       {"row_sum", Op::RowSum},
      {"row_max", Op::RowMax},  {"retile_rows", Op::RetileRows},
      {"split_rows", Op::SplitRows}, {"zeros", Op::Zeros},
      {"set_offset", Op::SetOffset}, {"row_append", Op::RowAppend},
      {"cache_write_addr", Op::CacheWriteAddr},
      {"signal_req_all_read", Op::SignalReqAllRead}};
  for (const auto &a : region.args())
    argTypes.push_back(a);
  int numValues = region.args_size();
  for (const proto::TileOp &t : region.ops()) {
    auto it = kinds.find(t.kind());
    if (it == kinds.end())
      fail(where, ": unknown tile op '", t.kind(), "'");
    Op op;
    op.kind = it->second;
    op.name = t.kind();
    for (int v : t.operands()) {
      if (v < 0 || v >= numValues)
        fail(where, ": tile op '", t.kind(), "' uses value #", v,
             " that is not defined before it");
      op.operands.push_back(v);
    }
    auto flag = [&](const char *name) {
      auto a = t.attrs().find(name);
      return a != t.attrs().end() && a->second.b();
    };
    op.transposeB = flag("transpose_b");
    if (auto a = t.attrs().find("row_offset"); a != t.attrs().end())
      op.rowOffset = a->second.i();
    // The attention graph's small functions cost one cycle each, whatever
    // the compute bandwidth (step-perf's map functions).
    if (op.kind == Op::SetOffset || op.kind == Op::RowAppend ||
        op.kind == Op::CacheWriteAddr || op.kind == Op::SignalReqAllRead)
      fixed = std::max<int64_t>(fixed, 1);
    op.dropPadding = flag("drop_padding");
    if (t.result().has_tile()) {
      op.rows = staticDim(t.result().tile().rows());
      op.cols = staticDim(t.result().tile().cols());
      op.elemBytes = scalarBytes(t.result().tile().scalar());
    }
    if (op.kind == Op::Const) {
      auto a = t.attrs().find("value");
      if (a == t.attrs().end())
        fail(where, ": tile op 'const' has no 'value'");
      op.constant = static_cast<float>(a->second.f());
    }
    size_t arity = (op.kind == Op::Zeros || op.kind == Op::Const) ? 0
                   : (op.kind == Op::Exp || op.kind == Op::Silu ||
                      op.kind == Op::Log || op.kind == Op::Neg ||
                      op.kind == Op::RowSum || op.kind == Op::RowMax ||
                      op.kind == Op::SplitRows)
                       ? 1
                       : 2;
    if (op.operands.size() != arity)
      fail(where, ": tile op '", t.kind(), "' takes ", arity,
           " operands, got ", op.operands.size());
    ops.push_back(op);
    ++numValues;
  }
  for (int v : region.yields()) {
    if (v < 0 || v >= numValues)
      fail(where, ": the region yields undefined value #", v);
    yields.push_back(v);
  }
  // STeP counts an accumulating matmul as 2*M*K*N: the add of the
  // accumulator and a matmul product is part of the multiply-accumulate.
  if (accumulating) {
    int base = region.args_size();
    for (Op &op : ops)
      if (op.kind == Op::Add)
        for (int i = 0; i < 2; ++i) {
          int a = op.operands[i], b = op.operands[1 - i];
          if (a == 0 && b >= base && ops[b - base].kind == Op::Matmul)
            op.fusedIntoMac = true;
        }
  }
}

std::vector<Value> TileProgram::evaluate(const std::vector<Value> &args,
                                         bool functional,
                                         int64_t &flops) const {
  if (args.size() != argTypes.size())
    fail(where, ": the region takes ", argTypes.size(), " values, got ",
         args.size());
  std::vector<Value> values(args);
  values.reserve(args.size() + ops.size());
  for (const Op &op : ops) {
    auto operand = [&](int i) -> const Value & {
      const Value &v = values[op.operands[i]];
      if (v.kind != Value::Kind::Tile)
        fail(where, ": '", op.name, "' expects tiles");
      return v;
    };
    Value r;
    switch (op.kind) {
    case Op::Zeros: {
      r = Value::tile(op.rows < 0 ? 0 : op.rows, op.cols < 0 ? 0 : op.cols,
                      op.elemBytes);
      r.validRows = r.rows;
      r.lazyZero = op.rows < 0 || op.cols < 0;
      if (functional && !r.lazyZero)
        r.data = zerosData(r.rows * r.cols);
      break;
    }
    case Op::Matmul: {
      const Value &a = operand(0), &b = operand(1);
      int64_t k = a.cols, kb = op.transposeB ? b.cols : b.rows;
      int64_t n = op.transposeB ? b.rows : b.cols;
      if (k != kb)
        fail(where, ": matmul of ", a.rows, "x", a.cols, " and ", b.rows, "x",
             b.cols, op.transposeB ? " (transposed)" : "",
             ": contraction dims differ");
      r = Value::tile(a.rows, n, op.elemBytes);
      r.validRows = a.validRows;
      flops += 2 * a.rows * k * n;
      if (functional) {
        auto d = std::make_shared<Data>(static_cast<size_t>(a.rows * n), 0.0f);
        for (int64_t i = 0; i < a.rows; ++i)
          for (int64_t kk = 0; kk < k; ++kk) {
            float x = at(a, i, kk);
            for (int64_t j = 0; j < n; ++j)
              (*d)[i * n + j] +=
                  x * (op.transposeB ? at(b, j, kk) : at(b, kk, j));
          }
        r.data = d;
      }
      break;
    }
    case Op::Const: {
      r = Value::tile(op.rows, op.cols, op.elemBytes);
      r.validRows = r.rows;
      if (functional)
        r.data = std::make_shared<Data>(static_cast<size_t>(r.rows * r.cols),
                                        op.constant);
      break;
    }
    case Op::Add:
    case Op::Sub:
    case Op::Mul:
    case Op::Max:
    case Op::Div: {
      // A lazily shaped zeros tile takes the other operand's shape (only
      // then are operands copied: this is the hot path).
      const Value *pa = &operand(0), *pb = &operand(1);
      Value shaped;
      if (pa->lazyZero != pb->lazyZero) {
        const Value &other = pa->lazyZero ? *pb : *pa;
        shaped = Value::tile(other.rows, other.cols,
                             (pa->lazyZero ? pa : pb)->elemBytes);
        shaped.validRows = other.rows;
        if (functional)
          shaped.data = zerosData(other.rows * other.cols);
        (pa->lazyZero ? pa : pb) = &shaped;
      }
      const Value &a = *pa, &b = *pb;
      auto pick = [&](int64_t x, int64_t y) -> int64_t {
        if (x == y || y == 1)
          return x;
        if (x == 1)
          return y;
        return -1;
      };
      int64_t rows = pick(a.rows, b.rows), cols = pick(a.cols, b.cols);
      if (rows < 0 || cols < 0)
        fail(where, ": '", op.name, "' of ", a.rows, "x", a.cols, " and ",
             b.rows, "x", b.cols, ": shapes neither equal nor broadcastable");
      r = Value::tile(rows, cols, op.elemBytes);
      r.validRows = std::min(a.rows == rows ? a.validRows : rows,
                             b.rows == rows ? b.validRows : rows);
      if (!op.fusedIntoMac)
        flops += rows * cols;
      if (functional) {
        auto d = std::make_shared<Data>(static_cast<size_t>(rows * cols));
        for (int64_t i = 0; i < rows; ++i)
          for (int64_t j = 0; j < cols; ++j) {
            float x = at(a, a.rows == 1 ? 0 : i, a.cols == 1 ? 0 : j);
            float y = at(b, b.rows == 1 ? 0 : i, b.cols == 1 ? 0 : j);
            float z = op.kind == Op::Add   ? x + y
                      : op.kind == Op::Sub ? x - y
                      : op.kind == Op::Mul ? x * y
                      : op.kind == Op::Max ? std::max(x, y)
                                           : x / y;
            (*d)[i * cols + j] = z;
          }
        r.data = d;
      }
      break;
    }
    case Op::Exp:
    case Op::Log:
    case Op::Neg:
    case Op::Silu: {
      const Value &a = operand(0);
      r = a;
      r.elemBytes = op.elemBytes;
      r.readFromMu = false;
      flops += (op.kind == Op::Silu ? 8 : op.kind == Op::Neg ? 1 : 4) *
               a.rows * a.cols;
      if (functional) {
        auto d = std::make_shared<Data>(*a.data);
        for (float &x : *d)
          x = op.kind == Op::Exp   ? std::exp(x)
              : op.kind == Op::Log ? std::log(x)
              : op.kind == Op::Neg ? -x
                                   : x / (1.0f + std::exp(-x));
        r.data = d;
      }
      break;
    }
    case Op::RowSum:
    case Op::RowMax: {
      const Value &a = operand(0);
      r = Value::tile(a.rows, 1, op.elemBytes);
      r.validRows = a.validRows;
      flops += a.rows * a.cols;
      if (functional) {
        auto d = std::make_shared<Data>(static_cast<size_t>(a.rows));
        for (int64_t i = 0; i < a.rows; ++i) {
          float acc = op.kind == Op::RowSum ? 0.0f : -INFINITY;
          for (int64_t j = 0; j < a.cols; ++j)
            acc = op.kind == Op::RowSum ? acc + at(a, i, j)
                                        : std::max(acc, at(a, i, j));
          (*d)[i] = acc;
        }
        r.data = d;
      }
      break;
    }
    case Op::RetileRows: {
      // Packs the rows of operand 1 below the rows already packed into the
      // accumulator (operand 0). `scalar` counts packed rows; a static
      // accumulator keeps its shape, a dynamic one grows.
      const Value &acc = operand(0), &x = operand(1);
      if (acc.cols != x.cols)
        fail(where, ": retile_rows of ", x.rows, "x", x.cols, " rows into ",
             acc.rows, "x", acc.cols, ": columns differ");
      int64_t packed = acc.scalar;
      int64_t newPacked = packed + x.rows;
      bool fixed = op.rows >= 0;
      if (fixed && newPacked > op.rows)
        fail(where, ": retile_rows packs more than the ", op.rows,
             " rows of its accumulator");
      r = Value::tile(fixed ? op.rows : newPacked, acc.cols, op.elemBytes);
      r.scalar = newPacked;
      r.validRows = (packed > 0 ? acc.validRows : 0) + x.validRows;
      if (functional) {
        auto d = std::make_shared<Data>(static_cast<size_t>(r.rows * r.cols),
                                        0.0f);
        if (packed > 0 && acc.data)
          std::copy(acc.data->begin(),
                    acc.data->begin() + std::min<int64_t>(packed * acc.cols,
                                                          acc.data->size()),
                    d->begin());
        std::copy(x.data->begin(), x.data->end(), d->begin() + packed * r.cols);
        r.data = d;
      }
      break;
    }
    case Op::SetOffset: {
      r = operand(0);
      r.scalar = operand(1).scalar;
      break;
    }
    case Op::RowAppend: {
      // Writes the row at the tile's offset (set_offset), which advances.
      const Value &t = operand(0), &row = operand(1);
      if (row.rows != 1 || row.cols != t.cols)
        fail(where, ": row_append of ", row.rows, "x", row.cols, " into ",
             t.rows, "x", t.cols, ": expected one row of the tile's columns");
      if (t.scalar < 0 || t.scalar >= t.rows)
        fail(where, ": row_append at row ", t.scalar, " of a ", t.rows,
             "-row tile");
      r = t;
      r.scalar = t.scalar + 1;
      if (functional && t.data && row.data) {
        auto d = std::make_shared<Data>(*t.data);
        std::copy(row.data->begin(), row.data->end(),
                  d->begin() + t.scalar * t.cols);
        r.data = d;
      }
      break;
    }
    case Op::CacheWriteAddr: {
      r = Value::tile(1, 1, 8);
      r.scalar = operand(0).scalar * op.rowOffset + operand(1).scalar;
      break;
    }
    case Op::SignalReqAllRead: {
      operand(1);
      r = operand(0);
      r.scalar += 1;
      break;
    }
    case Op::SplitRows: {
      const Value &a = operand(0);
      auto rows = std::make_shared<std::vector<Value>>();
      int64_t n = op.dropPadding ? a.validRows : a.rows;
      for (int64_t i = 0; i < n; ++i) {
        Value row = Value::tile(1, a.cols, a.elemBytes);
        row.validRows = i < a.validRows ? 1 : 0;
        if (functional)
          row.data = std::make_shared<Data>(a.data->begin() + i * a.cols,
                                            a.data->begin() + (i + 1) * a.cols);
        rows->push_back(std::move(row));
      }
      r.kind = Value::Kind::Tuple;
      r.parts = rows;
      break;
    }
    }
    values.push_back(std::move(r));
  }
  std::vector<Value> out;
  for (int y : yields)
    out.push_back(values[y]);
  return out;
}

std::vector<Value> TileProgram::evaluateStream(const std::vector<Value> &args,
                                               bool functional,
                                               int64_t &flops) const {
  std::vector<Value> out = evaluate(args, functional, flops);
  if (out.size() != 1 || out[0].kind != Value::Kind::Tuple || !out[0].parts)
    fail(where, ": the flatmap region must yield a sub-stream");
  return *out[0].parts;
}
