//===- Recording.h - record and replay language-model exchanges -*- C++ -*-===//
//
// A search that asks a language model is only reproducible if its answers
// are kept. Recorder appends every exchange (the request body, which never
// holds the API key, and the result, success or error) to a JSONL file;
// Replayer reads such a file and answers the same requests again without a
// server, so a recorded run replays exactly and tests need no network.
//
// One line per exchange (tuner/llm/README.md has the full format):
//   {"format":"step-llm-exchange/1","key":"<sha256 of the body>",
//    "request":{...body...},"response":{"kind":"ok","content":"...",
//    "message":"","http_status":200,"finish_reason":"stop","attempts":1},
//    "elapsed_ms":812}
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TUNER_LLM_RECORDING_H
#define STEP_TUNER_LLM_RECORDING_H

#include "tuner/llm/ChatClient.h"

#include "llvm/Support/Error.h"

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace step::llm {

/// Appends exchanges to a JSONL file. Each line is written with one write()
/// on an O_APPEND descriptor under an exclusive flock, so concurrent
/// recorders (threads or MPI ranks) never interleave partial lines.
class Recorder {
public:
  /// Opens (creating if needed) `path` for appending; `apiKeyEnv` names the
  /// variable whose value must never reach the file (see append()).
  static llvm::Expected<std::unique_ptr<Recorder>>
  open(const std::string &path, std::string apiKeyEnv = "STEP_TUNE_API_KEY");
  ~Recorder();

  /// Appends one exchange. As a last guard, any occurrence of the API key's
  /// value in the line is replaced by "[redacted]" before writing.
  llvm::Error append(const ChatRequest &request, const ChatResult &result,
                     int64_t elapsedMs);
  const std::string &path() const { return filePath; }

private:
  Recorder(std::string path, int fd, std::string apiKeyEnv);
  std::string filePath;
  int fd;
  std::string keyEnv;
  std::mutex mutex;
};

/// Serialises one exchange as the single JSON line Recorder writes (without
/// the newline).
std::string exchangeLine(const ChatRequest &request, const ChatResult &result,
                         int64_t elapsedMs);

/// A backend that forwards to `inner` and records every exchange. A failure
/// to write the recording turns the result into a Replay error naming the
/// file, so a run never silently loses its record.
class RecordingBackend : public ChatBackend {
public:
  RecordingBackend(ChatBackend &inner, Recorder &recorder)
      : inner(inner), recorder(recorder) {}
  ChatResult complete(const ChatRequest &request) override;

private:
  ChatBackend &inner;
  Recorder &recorder;
};

/// Answers requests from a recording. Exchanges are keyed by the request
/// hash; requests with the same key are answered in recorded order. A request
/// whose key is absent (mismatch) or whose recorded answers are used up
/// (exhausted) gets a Replay error saying which.
class Replayer : public ChatBackend {
public:
  /// Reads and checks the whole file; a malformed line is an error naming
  /// the file and line.
  static llvm::Expected<std::unique_ptr<Replayer>>
  open(const std::string &path);
  ChatResult complete(const ChatRequest &request) override;
  /// Recorded exchanges not yet served.
  size_t remaining() const;
  size_t served() const { return servedCount; }

private:
  std::string filePath;
  std::map<std::string, std::deque<ChatResult>> byKey;
  std::map<std::string, size_t> servedByKey;
  size_t servedCount = 0;
  mutable std::mutex mutex;
};

} // namespace step::llm

#endif // STEP_TUNER_LLM_RECORDING_H
