//===- Recording.cpp - record and replay language-model exchanges --------===//
//
// See Recording.h.
//
//===----------------------------------------------------------------------===//

#include "tuner/llm/Recording.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace llvm;

namespace step::llm {

static constexpr const char *formatTag = "step-llm-exchange/1";

std::string exchangeLine(const ChatRequest &request, const ChatResult &result,
                         int64_t elapsedMs) {
  std::string s;
  raw_string_ostream os(s);
  json::OStream j(os);
  j.object([&] {
    j.attribute("format", formatTag);
    j.attribute("key", request.key());
    // The body exactly as sent, key order included.
    j.attributeBegin("request");
    j.rawValue(request.body());
    j.attributeEnd();
    j.attributeObject("response", [&] {
      j.attribute("kind", errorKindName(result.kind));
      j.attribute("content", result.content);
      j.attribute("message", result.message);
      j.attribute("http_status", int64_t(result.httpStatus));
      j.attribute("finish_reason", result.finishReason);
      j.attribute("attempts", int64_t(result.attempts));
    });
    j.attribute("elapsed_ms", elapsedMs);
  });
  os.flush();
  return s;
}

//===----------------------------------------------------------------------===//
// Recorder
//===----------------------------------------------------------------------===//

Recorder::Recorder(std::string path, int fd, std::string apiKeyEnv)
    : filePath(std::move(path)), fd(fd), keyEnv(std::move(apiKeyEnv)) {}

Recorder::~Recorder() {
  if (fd >= 0)
    ::close(fd);
}

Expected<std::unique_ptr<Recorder>> Recorder::open(const std::string &path,
                                                   std::string apiKeyEnv) {
  int fd =
      ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return createStringError(std::error_code(errno, std::generic_category()),
                             "cannot open recording '%s' for appending: %s",
                             path.c_str(), std::strerror(errno));
  return std::unique_ptr<Recorder>(
      new Recorder(path, fd, std::move(apiKeyEnv)));
}

Error Recorder::append(const ChatRequest &request, const ChatResult &result,
                       int64_t elapsedMs) {
  std::string line = exchangeLine(request, result, elapsedMs);
  if (const char *key = std::getenv(keyEnv.c_str()); key && *key) {
    std::string secret = key;
    for (size_t at = line.find(secret); at != std::string::npos;
         at = line.find(secret, at))
      line.replace(at, secret.size(), "[redacted]");
  }
  line += '\n';

  std::lock_guard<std::mutex> lock(mutex);
  if (::flock(fd, LOCK_EX) != 0)
    return createStringError(std::error_code(errno, std::generic_category()),
                             "cannot lock recording '%s': %s", filePath.c_str(),
                             std::strerror(errno));
  size_t done = 0;
  int err = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      err = errno;
      break;
    }
    done += size_t(n);
  }
  ::flock(fd, LOCK_UN);
  if (err)
    return createStringError(std::error_code(err, std::generic_category()),
                             "cannot write recording '%s': %s",
                             filePath.c_str(), std::strerror(err));
  return Error::success();
}

ChatResult RecordingBackend::complete(const ChatRequest &request) {
  auto start = std::chrono::steady_clock::now();
  ChatResult r = inner.complete(request);
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count();
  if (Error e = recorder.append(request, r, ms)) {
    ChatResult failed;
    failed.kind = ErrorKind::Replay;
    failed.message = toString(std::move(e));
    failed.attempts = r.attempts;
    return failed;
  }
  return r;
}

//===----------------------------------------------------------------------===//
// Replayer
//===----------------------------------------------------------------------===//

Expected<std::unique_ptr<Replayer>> Replayer::open(const std::string &path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buf = MemoryBuffer::getFile(path);
  if (!buf)
    return createStringError(buf.getError(), "cannot read recording '%s': %s",
                             path.c_str(), buf.getError().message().c_str());
  auto rep = std::unique_ptr<Replayer>(new Replayer());
  rep->filePath = path;
  StringRef rest = (*buf)->getBuffer();
  unsigned lineNo = 0;
  while (!rest.empty()) {
    auto [line, tail] = rest.split('\n');
    rest = tail;
    ++lineNo;
    if (line.trim().empty())
      continue;
    auto bad = [&](const Twine &why) {
      return createStringError(std::errc::invalid_argument, "%s:%u: %s",
                               path.c_str(), lineNo, why.str().c_str());
    };
    Expected<json::Value> v = json::parse(line);
    if (!v)
      return bad("not JSON: " + toString(v.takeError()));
    const json::Object *o = v->getAsObject();
    if (!o || o->getString("format") != StringRef(formatTag))
      return bad(Twine("not a ") + formatTag + " line");
    std::optional<StringRef> key = o->getString("key");
    const json::Object *resp = o->getObject("response");
    if (!key || !resp)
      return bad("missing \"key\" or \"response\"");
    ChatResult r;
    std::optional<StringRef> kindName = resp->getString("kind");
    std::optional<ErrorKind> kind =
        kindName ? parseErrorKind(*kindName) : std::nullopt;
    if (!kind)
      return bad("response has no known \"kind\"");
    r.kind = *kind;
    r.content = resp->getString("content").value_or("").str();
    r.message = resp->getString("message").value_or("").str();
    r.httpStatus = resp->getInteger("http_status").value_or(0);
    r.finishReason = resp->getString("finish_reason").value_or("").str();
    r.attempts = unsigned(resp->getInteger("attempts").value_or(0));
    rep->byKey[key->str()].push_back(std::move(r));
  }
  return rep;
}

ChatResult Replayer::complete(const ChatRequest &request) {
  std::string key = request.key();
  std::lock_guard<std::mutex> lock(mutex);
  auto it = byKey.find(key);
  if (it == byKey.end() || it->second.empty()) {
    ChatResult r;
    r.kind = ErrorKind::Replay;
    size_t left = 0;
    for (const auto &[k, q] : byKey)
      left += q.size();
    if (it == byKey.end())
      r.message = formatv("{0}: no recorded exchange matches request {1} "
                          "(model '{2}'); the prompt, model or options "
                          "differ from the recorded run ({3} exchanges "
                          "unserved)",
                          filePath, key.substr(0, 12), request.model, left)
                      .str();
    else
      r.message = formatv("{0}: recording exhausted for request {1}: all {2} "
                          "recorded answers were served",
                          filePath, key.substr(0, 12), servedByKey[key])
                      .str();
    return r;
  }
  ChatResult r = std::move(it->second.front());
  it->second.pop_front();
  ++servedByKey[key];
  ++servedCount;
  return r;
}

size_t Replayer::remaining() const {
  std::lock_guard<std::mutex> lock(mutex);
  size_t n = 0;
  for (const auto &[k, q] : byKey)
    n += q.size();
  return n;
}

} // namespace step::llm
