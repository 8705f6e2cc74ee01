//===- ChatClient.cpp - OpenAI-compatible chat-completions client --------===//
//
// libcurl does the HTTP; this file builds the body, classifies failures and
// retries. See ChatClient.h and tuner/llm/README.md for the protocol.
//
//===----------------------------------------------------------------------===//

#include "tuner/llm/ChatClient.h"
#include "tuner/llm/JsonSchema.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

using namespace llvm;

namespace step::llm {

//===----------------------------------------------------------------------===//
// Error kinds, requests, results
//===----------------------------------------------------------------------===//

static constexpr std::pair<ErrorKind, const char *> kindNames[] = {
    {ErrorKind::None, "ok"},
    {ErrorKind::Refused, "refused"},
    {ErrorKind::Timeout, "timeout"},
    {ErrorKind::Malformed, "malformed"},
    {ErrorKind::Partial, "partial"},
    {ErrorKind::SchemaMismatch, "schema-mismatch"},
    {ErrorKind::Replay, "replay"},
};

const char *errorKindName(ErrorKind kind) {
  for (const auto &[k, name] : kindNames)
    if (k == kind)
      return name;
  return "unknown";
}

std::optional<ErrorKind> parseErrorKind(StringRef name) {
  for (const auto &[k, n] : kindNames)
    if (name == n)
      return k;
  return std::nullopt;
}

/// The shortest of %.15g and %.17g that reads back as `v`: "0.2", where
/// llvm::json would print "0.20000000000000001".
static std::string shortestDouble(double v) {
  if (!std::isfinite(v))
    return "null";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.15g", v);
  if (std::strtod(buf, nullptr) != v)
    std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

std::string ChatRequest::body() const {
  std::string text;
  raw_string_ostream os(text);
  json::OStream j(os);
  j.object([&] {
    j.attribute("model", model);
    j.attributeArray("messages", [&] {
      for (const ChatMessage &m : messages)
        j.object([&] {
          j.attribute("role", m.role);
          j.attribute("content", m.content);
        });
    });
    j.attributeBegin("temperature");
    j.rawValue(shortestDouble(temperature));
    j.attributeEnd();
    if (maxTokens)
      j.attribute("max_tokens", *maxTokens);
    if (seed)
      j.attribute("seed", *seed);
    j.attribute("stream", false);
    if (!schema.empty())
      j.attributeObject("response_format", [&] {
        j.attribute("type", "json_schema");
        j.attributeObject("json_schema", [&] {
          j.attribute("name", schemaName);
          j.attribute("strict", true);
          j.attributeBegin("schema");
          j.rawValue(schema);
          j.attributeEnd();
        });
      });
  });
  os.flush();
  return text;
}

json::Value ChatRequest::toJson() const {
  Expected<json::Value> v = json::parse(body());
  if (!v) {
    // Only a schema that is not JSON text can get here.
    consumeError(v.takeError());
    return nullptr;
  }
  return std::move(*v);
}

std::string ChatRequest::key() const {
  SHA256 sha;
  sha.update(body());
  std::array<uint8_t, 32> digest = sha.final();
  return toHex(ArrayRef<uint8_t>(digest), /*LowerCase=*/true);
}

bool ChatResult::operator==(const ChatResult &o) const {
  return kind == o.kind && content == o.content && message == o.message &&
         httpStatus == o.httpStatus && finishReason == o.finishReason &&
         attempts == o.attempts;
}

ChatBackend::~ChatBackend() = default;

StringRef stripCodeFence(StringRef content) {
  StringRef s = content.trim();
  if (!s.starts_with("```"))
    return s;
  s = s.drop_front(3);
  // Drop the info string ("json") up to the end of the first line.
  size_t nl = s.find('\n');
  if (nl == StringRef::npos)
    return content.trim();
  s = s.drop_front(nl + 1).rtrim();
  if (s.ends_with("```"))
    s = s.drop_back(3);
  return s.trim();
}

//===----------------------------------------------------------------------===//
// Response interpretation
//===----------------------------------------------------------------------===//

/// The error text a server put in its body: OpenAI, llama.cpp and vLLM send
/// {"error":{"message":...}}, Ollama {"error":"..."}; otherwise the start of
/// the raw body.
static std::string serverMessage(StringRef body) {
  if (Expected<json::Value> v = json::parse(body)) {
    if (const json::Object *o = v->getAsObject()) {
      if (const json::Object *e = o->getObject("error"))
        if (std::optional<StringRef> m = e->getString("message"))
          return m->str();
      if (std::optional<StringRef> m = o->getString("error"))
        return m->str();
      if (std::optional<StringRef> m = o->getString("message"))
        return m->str();
    }
  } else {
    consumeError(v.takeError());
  }
  StringRef head = body.trim().take_front(200);
  return head.empty() ? std::string("(empty body)") : head.str();
}

ChatResult interpretResponse(long status, StringRef body,
                             const json::Value *schema) {
  ChatResult r;
  r.httpStatus = status;
  if (status < 200 || status >= 300) {
    r.kind = ErrorKind::Refused;
    r.message = formatv("HTTP {0}: {1}", status, serverMessage(body)).str();
    return r;
  }
  Expected<json::Value> parsed = json::parse(body);
  if (!parsed) {
    r.kind = ErrorKind::Malformed;
    r.message = "response body is not JSON: " + toString(parsed.takeError());
    return r;
  }
  const json::Object *root = parsed->getAsObject();
  const json::Array *choices = root ? root->getArray("choices") : nullptr;
  if (!choices || choices->empty() || !(*choices)[0].getAsObject()) {
    r.kind = ErrorKind::Malformed;
    r.message = "response has no choices[0]";
    // Some servers report errors with a 200 status.
    if (root && root->get("error"))
      r.message += ": " + serverMessage(body);
    return r;
  }
  const json::Object *choice = (*choices)[0].getAsObject();
  if (std::optional<StringRef> fr = choice->getString("finish_reason"))
    r.finishReason = fr->str();
  const json::Object *msg = choice->getObject("message");
  std::optional<StringRef> content =
      msg ? msg->getString("content") : std::nullopt;
  if (!content) {
    r.kind = ErrorKind::Malformed;
    r.message = msg ? "choices[0].message has no string content"
                    : "choices[0] has no message";
    return r;
  }
  r.content = content->str();
  if (r.finishReason == "length") {
    r.kind = ErrorKind::Partial;
    r.message = "the model stopped at its token limit (finish_reason "
                "\"length\"); raise max_tokens";
    return r;
  }
  if (!schema)
    return r;
  Expected<json::Value> answer = json::parse(stripCodeFence(r.content));
  if (!answer) {
    r.kind = ErrorKind::SchemaMismatch;
    r.message = "content is not JSON: " + toString(answer.takeError());
    return r;
  }
  if (std::optional<std::string> err = checkJsonSchema(*answer, *schema)) {
    r.kind = ErrorKind::SchemaMismatch;
    r.message = "content does not match the schema: " + *err;
  }
  return r;
}

//===----------------------------------------------------------------------===//
// HTTP
//===----------------------------------------------------------------------===//

namespace {

struct Sink {
  std::string body;
  size_t limit;
  bool overflow = false;
};

size_t writeBody(char *data, size_t size, size_t n, void *user) {
  auto *sink = static_cast<Sink *>(user);
  size_t bytes = size * n;
  if (sink->body.size() + bytes > sink->limit) {
    sink->overflow = true;
    return 0; // makes curl fail with CURLE_WRITE_ERROR
  }
  sink->body.append(data, bytes);
  return bytes;
}

struct CurlHandle {
  CURL *h = curl_easy_init();
  curl_slist *headers = nullptr;
  ~CurlHandle() {
    curl_slist_free_all(headers);
    if (h)
      curl_easy_cleanup(h);
  }
};

bool retryable(const ChatResult &r) {
  switch (r.kind) {
  case ErrorKind::Refused:
    // Client errors other than time-out and rate limit will not change.
    return r.httpStatus == 0 || r.httpStatus == 408 || r.httpStatus == 429 ||
           r.httpStatus >= 500;
  case ErrorKind::Timeout:
  case ErrorKind::Malformed:
    return true;
  case ErrorKind::Partial:
    // A truncated transfer may succeed again; a token limit will not.
    return r.finishReason != "length";
  default:
    return false;
  }
}

} // namespace

ChatClient::ChatClient(ChatOptions options) : opts(std::move(options)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string ChatClient::endpoint() const {
  return StringRef(opts.baseUrl).rtrim('/').str() + "/chat/completions";
}

ChatResult ChatClient::attempt(const std::string &body,
                               const json::Value *schema) {
  ChatResult r;
  CurlHandle c;
  if (!c.h) {
    r.kind = ErrorKind::Refused;
    r.message = "cannot initialise libcurl";
    return r;
  }
  std::string url = endpoint();
  Sink sink{std::string(), opts.maxResponseBytes};
  char errbuf[CURL_ERROR_SIZE] = {0};

  c.headers = curl_slist_append(c.headers, "Content-Type: application/json");
  c.headers = curl_slist_append(c.headers, "Accept: application/json");
  // No "Expect: 100-continue" round trip for large prompts.
  c.headers = curl_slist_append(c.headers, "Expect:");
  if (const char *key = std::getenv(opts.apiKeyEnv.c_str()); key && *key) {
    std::string auth = std::string("Authorization: Bearer ") + key;
    c.headers = curl_slist_append(c.headers, auth.c_str());
    std::fill(auth.begin(), auth.end(), '\0');
  }

  curl_easy_setopt(c.h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.h, CURLOPT_HTTPHEADER, c.headers);
  curl_easy_setopt(c.h, CURLOPT_POST, 1L);
  curl_easy_setopt(c.h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c.h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.size()));
  curl_easy_setopt(c.h, CURLOPT_WRITEFUNCTION, writeBody);
  curl_easy_setopt(c.h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c.h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c.h, CURLOPT_CONNECTTIMEOUT_MS, long(opts.connectTimeoutMs));
  curl_easy_setopt(c.h, CURLOPT_TIMEOUT_MS, long(opts.totalTimeoutMs));
  // Time-outs without SIGALRM, so this is safe in threaded tuners.
  curl_easy_setopt(c.h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c.h, CURLOPT_PROTOCOLS_STR, "http,https");

  CURLcode rc = curl_easy_perform(c.h);
  long status = 0;
  curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &status);
  r.httpStatus = status;
  std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);

  switch (rc) {
  case CURLE_OK:
    return interpretResponse(status, sink.body, schema);
  case CURLE_OPERATION_TIMEDOUT:
    r.kind = ErrorKind::Timeout;
    r.message = formatv("no complete answer from {0} within the time-out "
                        "(connect {1} ms, total {2} ms): {3}",
                        url, opts.connectTimeoutMs, opts.totalTimeoutMs, detail)
                    .str();
    return r;
  case CURLE_PARTIAL_FILE:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
    r.kind = ErrorKind::Partial;
    r.message = formatv("truncated response from {0} after {1} bytes: {2}", url,
                        sink.body.size(), detail)
                    .str();
    return r;
  case CURLE_WRITE_ERROR:
    if (sink.overflow) {
      r.kind = ErrorKind::Malformed;
      r.message = formatv("response from {0} exceeds {1} bytes", url,
                          opts.maxResponseBytes)
                      .str();
      return r;
    }
    [[fallthrough]];
  default:
    r.kind = ErrorKind::Refused;
    r.message = formatv("cannot reach {0}: {1}", url, detail).str();
    return r;
  }
}

ChatResult ChatClient::complete(const ChatRequest &request) {
  std::string body = request.body();
  std::optional<json::Value> schema;
  if (!request.schema.empty() && opts.validateSchema) {
    Expected<json::Value> parsed = json::parse(request.schema);
    if (!parsed) {
      ChatResult bad;
      bad.kind = ErrorKind::SchemaMismatch;
      bad.message =
          "the request's schema is not JSON: " + toString(parsed.takeError());
      return bad;
    }
    schema = std::move(*parsed);
  }

  // A line break in the key would end the Authorization header and inject
  // the rest; refuse without quoting it.
  if (const char *key = std::getenv(opts.apiKeyEnv.c_str());
      key && std::strpbrk(key, "\r\n")) {
    ChatResult bad;
    bad.kind = ErrorKind::Refused;
    bad.message = "the API key in $" + opts.apiKeyEnv +
                  " contains a line break; nothing was sent";
    return bad;
  }

  ChatResult r;
  unsigned attempts = 0;
  for (;;) {
    ++attempts;
    r = attempt(body, schema ? &*schema : nullptr);
    if (r.ok() || attempts > opts.retries || !retryable(r))
      break;
    int64_t wait = opts.backoffMs;
    for (unsigned i = 1; i < attempts && wait < opts.maxBackoffMs; ++i)
      wait *= 2;
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::min(wait, opts.maxBackoffMs)));
  }
  r.attempts = attempts;
  return r;
}

} // namespace step::llm
