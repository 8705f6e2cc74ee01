//===- Tensors.cpp - reading and writing runtime inputs -------------------===//

#include "runtime/Tensors.h"

#include "simulator/Error.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string_view>

#include <sys/stat.h>
#include <unistd.h>

using namespace step;
using sim::fail;

namespace {
std::string readAll(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail(path, ": cannot open");
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}
} // namespace

sim::Tensor runtime::loadNpy(const std::string &path) {
  std::string bytes = readAll(path);
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    fail(path, ": not a .npy file (bad magic)");
  int major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, offset;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) |
                (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      fail(path, ": truncated .npy header");
    headerLen = 0;
    for (int i = 0; i < 4; ++i)
      headerLen |= size_t(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    fail(path, ": unsupported .npy version ", major);
  }
  if (offset + headerLen > bytes.size())
    fail(path, ": truncated .npy header");
  std::string header = bytes.substr(offset, headerLen);
  // The header is a Python dict literal; the three keys we need have simple
  // values, so a small scanner does (std::regex costs milliseconds here).
  auto valueOf = [&](const char *key) -> std::optional<std::string_view> {
    std::string_view h = header;
    size_t k = h.find(key);
    if (k == std::string_view::npos)
      return std::nullopt;
    size_t colon = h.find(':', k + std::strlen(key));
    if (colon == std::string_view::npos)
      return std::nullopt;
    size_t v = h.find_first_not_of(" \t", colon + 1);
    if (v == std::string_view::npos)
      return std::nullopt;
    return h.substr(v);
  };
  std::optional<std::string_view> descrAt = valueOf("'descr'");
  size_t quoteEnd = descrAt && !descrAt->empty() && descrAt->front() == '\''
                        ? descrAt->find('\'', 1)
                        : std::string_view::npos;
  if (quoteEnd == std::string_view::npos)
    fail(path, ": .npy header has no 'descr'");
  std::string descr(descrAt->data() + 1, quoteEnd - 1);
  std::optional<std::string_view> fortran = valueOf("'fortran_order'");
  if (fortran && fortran->substr(0, 4) == "True")
    fail(path, ": Fortran-order arrays are not supported (save with C order)");
  std::optional<std::string_view> shapeAt = valueOf("'shape'");
  size_t close = shapeAt && !shapeAt->empty() && shapeAt->front() == '('
                     ? shapeAt->find(')')
                     : std::string_view::npos;
  if (close == std::string_view::npos)
    fail(path, ": .npy header has no 'shape'");
  sim::Tensor t;
  std::string_view dims = shapeAt->substr(1, close - 1);
  for (size_t i = 0; i < dims.size();) {
    if (!std::isdigit(static_cast<unsigned char>(dims[i]))) {
      ++i;
      continue;
    }
    int64_t d = 0;
    for (; i < dims.size() && std::isdigit(static_cast<unsigned char>(dims[i]));
         ++i) {
      if (d > (std::numeric_limits<int64_t>::max() - 9) / 10)
        fail(path, ": .npy shape dimension too large");
      d = d * 10 + (dims[i] - '0');
    }
    t.shape.push_back(d);
  }
  size_t n = static_cast<size_t>(t.numElements());
  const char *data = bytes.data() + offset + headerLen;
  size_t avail = bytes.size() - offset - headerLen;
  auto need = [&](size_t width) {
    if (avail < n * width)
      fail(path, ": holds ", avail, " data bytes, the shape needs ", n * width);
  };
  if (descr == "<f4" || descr == "<f8") {
    size_t w = descr == "<f4" ? 4 : 8;
    need(w);
    t.floats.resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (w == 4) {
        float f;
        std::memcpy(&f, data + 4 * i, 4);
        t.floats[i] = f;
      } else {
        double d;
        std::memcpy(&d, data + 8 * i, 8);
        t.floats[i] = static_cast<float>(d);
      }
    }
  } else if (descr == "<i4" || descr == "<i8" || descr == "|b1" ||
             descr == "|u1" || descr == "|i1") {
    size_t w = descr == "<i8" ? 8 : descr == "<i4" ? 4 : 1;
    need(w);
    t.isInteger = true;
    t.ints.resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (w == 8) {
        int64_t v;
        std::memcpy(&v, data + 8 * i, 8);
        t.ints[i] = v;
      } else if (w == 4) {
        int32_t v;
        std::memcpy(&v, data + 4 * i, 4);
        t.ints[i] = v;
      } else {
        t.ints[i] = descr == "|i1" ? static_cast<signed char>(data[i])
                                   : static_cast<unsigned char>(data[i]);
      }
    }
  } else {
    fail(path, ": unsupported dtype '", descr,
         "' (float32/64, int32/64, bool, uint8, int8)");
  }
  return t;
}

void runtime::writeFileAtomic(const std::string &path, const std::string &bytes,
                              bool overwrite) {
  // Checked early for a plain message; the no-clobber move below is what
  // makes it safe against a file appearing in between.
  if (!overwrite && ::access(path.c_str(), F_OK) == 0)
    fail(path, ": exists; refusing to overwrite it");
  std::string tmpl = path + ".tmp.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0)
    fail(path, ": cannot write (", std::strerror(errno), ")");
  std::string tmp(name.data());
  auto abandon = [&](const char *what) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail(path, ": ", what, " (", std::strerror(err), ")");
  };
  for (size_t done = 0; done < bytes.size();) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      ::close(fd);
      abandon("write failed");
    }
    done += static_cast<size_t>(n);
  }
  ::fchmod(fd, 0644); // mkstemp creates 0600
  if (::close(fd) != 0)
    abandon("write failed");
  if (overwrite) {
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      abandon("cannot move the output into place");
    return;
  }
  // link() fails if `path` exists: an atomic check-and-move.
  if (::link(tmp.c_str(), path.c_str()) == 0) {
    ::unlink(tmp.c_str());
    return;
  }
  if (errno == EEXIST) {
    ::unlink(tmp.c_str());
    fail(path, ": exists; refusing to overwrite it");
  }
  // A file system without hard links: check, then rename.
  if (::access(path.c_str(), F_OK) == 0) {
    ::unlink(tmp.c_str());
    fail(path, ": exists; refusing to overwrite it");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    abandon("cannot move the output into place");
}

void runtime::saveNpy(const std::string &path, const sim::Tensor &t,
                      bool overwrite) {
  if (!overwrite && ::access(path.c_str(), F_OK) == 0)
    fail(path, ": exists; refusing to overwrite it");
  size_t n = static_cast<size_t>(t.numElements());
  if ((t.isInteger ? t.ints.size() : t.floats.size()) != n)
    fail(path, ": the tensor holds ",
         t.isInteger ? t.ints.size() : t.floats.size(),
         " values, its shape needs ", n);
  std::string shape = "(";
  for (size_t i = 0; i < t.shape.size(); ++i)
    shape += std::to_string(t.shape[i]) + (t.shape.size() == 1      ? ","
                                           : i + 1 < t.shape.size() ? ", "
                                                                    : "");
  shape += ")";
  std::string header = std::string("{'descr': '") +
                       (t.isInteger ? "<i8" : "<f4") +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  // .npy data is little-endian, as is every host this builds for.
  if (t.isInteger)
    bytes.append(reinterpret_cast<const char *>(t.ints.data()), 8 * n);
  else
    bytes.append(reinterpret_cast<const char *>(t.floats.data()), 4 * n);
  writeFileAtomic(path, bytes, overwrite);
}

sim::Tensor runtime::loadIntCsv(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    fail(path, ": cannot open");
  sim::Tensor t;
  t.isInteger = true;
  std::string line;
  int lineNo = 0;
  size_t columns = 0;
  bool dropFirst = false;
  int64_t rows = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos)
      continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ','))
      cells.push_back(cell);
    auto isNumber = [](const std::string &c) {
      size_t i = c.find_first_not_of(" \t");
      if (i == std::string::npos)
        return false;
      if (c[i] == '-' || c[i] == '+')
        ++i;
      return i < c.size() && std::isdigit(static_cast<unsigned char>(c[i]));
    };
    if (rows == 0 && columns == 0 && !cells.empty() && !isNumber(cells[0])) {
      std::string first = cells[0];
      first.erase(0, first.find_first_not_of(" \t"));
      dropFirst = first.rfind("token", 0) == 0;
      columns = cells.size();
      continue; // header
    }
    if (columns == 0)
      columns = cells.size();
    if (cells.size() != columns)
      fail(path, ":", lineNo, ": expected ", columns, " values, got ",
           cells.size());
    for (size_t i = dropFirst ? 1 : 0; i < cells.size(); ++i) {
      try {
        size_t used = 0;
        int64_t v = std::stoll(cells[i], &used);
        if (cells[i].find_first_not_of(" \t", used) != std::string::npos)
          throw std::invalid_argument("trailing");
        t.ints.push_back(v);
      } catch (const std::exception &) {
        fail(path, ":", lineNo, ": '", cells[i], "' is not an integer");
      }
    }
    ++rows;
  }
  if (rows == 0)
    fail(path, ": no data rows");
  t.shape = {rows, static_cast<int64_t>(columns - (dropFirst ? 1 : 0))};
  return t;
}

sim::Tensor runtime::loadTensor(const std::string &path) {
  auto ends = [&](const char *ext) {
    size_t n = std::strlen(ext);
    return path.size() >= n && path.compare(path.size() - n, n, ext) == 0;
  };
  if (ends(".npy"))
    return loadNpy(path);
  if (ends(".csv"))
    return loadIntCsv(path);
  fail(path, ": unknown input format (expected .npy or .csv)");
}

void runtime::loadSparseTensor(const std::string &dir, const std::string &name,
                               sim::RuntimeInputs &inputs) {
  auto file = [&](const std::string &stem) {
    return dir + "/" + stem + ".npy";
  };
  auto exists = [](const std::string &path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  };
  std::string shapePath = file("shape"), valsPath = file("vals");
  if (!exists(shapePath))
    fail(shapePath, ": missing (a sparse tensor directory needs shape.npy)");
  if (!exists(valsPath))
    fail(valsPath, ": missing (a sparse tensor directory needs vals.npy)");
  sim::Tensor shape = loadNpy(shapePath);
  if (!shape.isInteger || shape.shape.size() != 1)
    fail(shapePath, ": expected a 1-D integer array of dimension sizes");
  for (int64_t d : shape.ints)
    if (d < 0)
      fail(shapePath, ": negative dimension ", d);
  sim::Tensor vals = loadNpy(valsPath);
  if (vals.isInteger)
    fail(valsPath, ": expected float values");
  // Fibers at each level: the root level has one; a dense level multiplies
  // by its size, a compressed one has as many as the coordinates above.
  int64_t fibers = 1;
  for (size_t m = 0; m < shape.ints.size(); ++m) {
    std::string level = "mode_" + std::to_string(m);
    std::string segPath = file(level + "_seg"), crdPath = file(level + "_crd");
    bool hasSeg = exists(segPath), hasCrd = exists(crdPath);
    if (hasSeg != hasCrd)
      fail(hasSeg ? crdPath : segPath, ": missing (a compressed level needs ",
           level, "_seg.npy and ", level, "_crd.npy)");
    if (!hasSeg) {
      fibers *= shape.ints[m];
      continue;
    }
    sim::Tensor seg = loadNpy(segPath), crd = loadNpy(crdPath);
    if (!seg.isInteger || seg.shape.size() != 1)
      fail(segPath, ": expected a 1-D integer array");
    if (!crd.isInteger || crd.shape.size() != 1)
      fail(crdPath, ": expected a 1-D integer array");
    if (static_cast<int64_t>(seg.ints.size()) != fibers + 1)
      fail(segPath, ": expected ", fibers + 1,
           " entries (one per fiber of the "
           "level above, plus one), got ",
           seg.ints.size());
    if (seg.ints[0] != 0)
      fail(segPath, ": must start with 0");
    for (size_t i = 1; i < seg.ints.size(); ++i)
      if (seg.ints[i] < seg.ints[i - 1])
        fail(segPath, ": decreases at entry ", i);
    if (seg.ints.back() != static_cast<int64_t>(crd.ints.size()))
      fail(segPath, ": ends at ", seg.ints.back(), " but ", crdPath, " has ",
           crd.ints.size(), " coordinates");
    for (size_t i = 0; i < crd.ints.size(); ++i)
      if (crd.ints[i] < 0 || crd.ints[i] >= shape.ints[m])
        fail(crdPath, ": coordinate ", crd.ints[i], " at entry ", i,
             " is outside [0, ", shape.ints[m], ")");
    fibers = static_cast<int64_t>(crd.ints.size());
    inputs[name + "." + level + "_seg"] = std::move(seg);
    inputs[name + "." + level + "_crd"] = std::move(crd);
  }
  // Values are scalars [n], or R x C tiles [n, R, C] (blocked tensors: the
  // levels index blocks; B x B blocks, or [1, B] vectors).
  bool blocked = vals.shape.size() == 3;
  if (vals.shape.size() != 1 && !blocked)
    fail(valsPath, ": expected values of shape [n] or blocks [n, R, C]");
  if (vals.shape[0] != fibers)
    fail(valsPath, ": expected ", fibers,
         " values (one per stored position "
         "of the last level), got ",
         vals.shape[0]);
  inputs[name + ".shape"] = std::move(shape);
  inputs[name + ".vals"] = std::move(vals);
}

sim::RuntimeInputs
runtime::loadBindings(const std::vector<std::string> &specs) {
  sim::RuntimeInputs inputs;
  for (const std::string &s : specs) {
    size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
      fail("bad binding '", s, "': expected NAME=FILE");
    std::string name = s.substr(0, eq);
    if (inputs.count(name) || inputs.count(name + ".shape"))
      fail("bad binding '", s, "': '", name, "' is bound twice");
    std::string path = s.substr(eq + 1);
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      loadSparseTensor(path, name, inputs);
    else
      inputs[name] = loadTensor(path);
  }
  return inputs;
}
