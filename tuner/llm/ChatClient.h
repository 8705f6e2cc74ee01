//===- ChatClient.h - OpenAI-compatible chat-completions client -*- C++ -*-===//
//
// The language-model side of step-tune: one request to an OpenAI-compatible
// `POST {base_url}/chat/completions` endpoint (llama.cpp's llama-server,
// vLLM, Ollama, or a hosted service) asking for structured output, and one
// typed result. Every failure a search can meet (server down, HTTP errors,
// time-outs, truncated or malformed bodies, answers that ignore the schema)
// comes back as an ErrorKind instead of an exception, so the caller can fall
// back to a random action and count it. No MLIR; JSON is llvm::json.
//
// The API key is read from an environment variable at each request and only
// ever placed in the Authorization header: it is never logged, never part of
// an error message and never part of the request body that is recorded.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TUNER_LLM_CHATCLIENT_H
#define STEP_TUNER_LLM_CHATCLIENT_H

#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace step::llm {

/// What went wrong with one exchange; None when it succeeded.
enum class ErrorKind {
  None,
  /// No connection (refused, unresolvable host) or an HTTP error status; the
  /// result's message carries the server's own error text when it sent one.
  Refused,
  /// The connect or total time-out of ChatOptions expired.
  Timeout,
  /// The body is not JSON, or lacks choices[0].message.content.
  Malformed,
  /// The body was cut short (the connection closed before Content-Length
  /// bytes), or the model stopped at its token limit (finish_reason
  /// "length"); in the latter case `content` holds the partial answer.
  Partial,
  /// The content does not satisfy the requested JSON schema; `content` holds
  /// it so the caller can still salvage valid parts.
  SchemaMismatch,
  /// A Replayer has no recorded exchange for this request (mismatch) or has
  /// served all of them (exhausted).
  Replay,
};

/// Stable lower-case name ("ok", "refused", "timeout", "malformed",
/// "partial", "schema-mismatch", "replay"), used in recordings and reports.
const char *errorKindName(ErrorKind kind);
/// Inverse of errorKindName; std::nullopt for an unknown name.
std::optional<ErrorKind> parseErrorKind(llvm::StringRef name);

struct ChatMessage {
  std::string role; ///< "system", "user" or "assistant".
  std::string content;
};

/// One chat-completions request. body() is the exact text sent (and
/// recorded); it never contains credentials.
struct ChatRequest {
  std::string model;
  std::vector<ChatMessage> messages;
  /// Always sent: Ollama's OpenAI-compatible route defaults it to 1.0.
  double temperature = 0.2;
  std::optional<int64_t> maxTokens;
  std::optional<int64_t> seed;
  /// A JSON schema as serialized JSON text, or empty for none. When set it
  /// is sent as response_format {"type":"json_schema","json_schema":
  /// {"name":schemaName,"strict":true,"schema":<schema>}} (the nested form
  /// llama.cpp, vLLM and Ollama read) and checked on the answer. It is text,
  /// not a json::Value, because llama.cpp and Ollama compile the schema into
  /// a grammar that emits properties in the order written, and llvm::json
  /// would sort the keys ("args" before "name").
  std::string schema;
  std::string schemaName = "answer";

  /// The body, keys in a fixed order: model, messages, temperature,
  /// max_tokens, seed, stream, response_format.
  std::string body() const;
  /// body() parsed (for inspection; sending uses body()).
  llvm::json::Value toJson() const;
  /// Hex SHA-256 of body(): equal requests give equal keys.
  std::string key() const;
};

/// The outcome of one exchange (after retries).
struct ChatResult {
  ErrorKind kind = ErrorKind::None;
  /// The assistant content; also kept for Partial (finish_reason "length")
  /// and SchemaMismatch so the caller can salvage it.
  std::string content;
  /// Human-readable reason when kind != None (never holds the API key).
  std::string message;
  /// HTTP status of the last attempt (0 when no response arrived).
  long httpStatus = 0;
  std::string finishReason;
  unsigned attempts = 0;

  bool ok() const { return kind == ErrorKind::None; }
  bool operator==(const ChatResult &other) const;
};

/// Anything that answers chat requests: the HTTP client, a Replayer, or a
/// recording wrapper around either.
class ChatBackend {
public:
  virtual ~ChatBackend();
  virtual ChatResult complete(const ChatRequest &request) = 0;
};

struct ChatOptions {
  /// The server's OpenAI-compatible root; "/chat/completions" is appended.
  /// llama-server listens on :8080, vLLM on :8000, Ollama on :11434.
  std::string baseUrl = "http://127.0.0.1:8080/v1";
  /// Name of the environment variable holding the API key. When it is unset
  /// or empty no Authorization header is sent (local servers need none).
  std::string apiKeyEnv = "STEP_TUNE_API_KEY";
  int64_t connectTimeoutMs = 5000;
  /// Upper bound on one attempt, connect included.
  int64_t totalTimeoutMs = 120000;
  /// Extra attempts after a retryable failure (connection, time-out, 408,
  /// 429, 5xx, truncated or malformed body).
  unsigned retries = 1;
  /// Sleep before retry i (1-based) is backoffMs * 2^(i-1), at most
  /// maxBackoffMs.
  int64_t backoffMs = 500;
  int64_t maxBackoffMs = 8000;
  /// Check the answer against ChatRequest::schema (SchemaMismatch if not).
  bool validateSchema = true;
  /// Bodies larger than this are cut off and reported Malformed.
  size_t maxResponseBytes = 16u << 20;
};

/// The HTTP client (libcurl). complete() may be called from several threads
/// at once: every attempt uses its own libcurl handle and nothing else is
/// mutated.
class ChatClient : public ChatBackend {
public:
  explicit ChatClient(ChatOptions options);
  ChatResult complete(const ChatRequest &request) override;
  const ChatOptions &options() const { return opts; }
  /// The URL requests go to.
  std::string endpoint() const;

private:
  ChatResult attempt(const std::string &body, const llvm::json::Value *schema);
  ChatOptions opts;
};

/// Interprets a chat-completions response body with HTTP status `status`
/// (exposed for tests): error statuses become Refused with the server's
/// message, then the body is checked for choices[0].message.content and
/// finish_reason, then the content against `schema` when given.
ChatResult interpretResponse(long status, llvm::StringRef body,
                             const llvm::json::Value *schema);

/// The content with surrounding whitespace and a Markdown code fence
/// (```json ... ```) removed: unconstrained servers often wrap JSON in one.
llvm::StringRef stripCodeFence(llvm::StringRef content);

} // namespace step::llm

#endif // STEP_TUNER_LLM_CHATCLIENT_H
