//===- LoopbackServer.h - a scripted HTTP/1.1 server for tests --*- C++ -*-===//
//
// Just enough HTTP/1.1 to stand in for an OpenAI-compatible server: a thread
// accepting on 127.0.0.1 at an ephemeral port, one request per connection
// (the answer says "Connection: close"), each answered by the next scripted
// Behaviour: a response with any status and body, a body cut short of its
// Content-Length, a response held back past the client's time-out, or a
// connection closed without a word; after the script, an optional responder
// computes the reply from the request. Every request is captured (method, path,
// lower-cased headers, body) for the test to inspect.
//
//===----------------------------------------------------------------------===//

#ifndef STEP_TEST_UNIT_LLM_LOOPBACKSERVER_H
#define STEP_TEST_UNIT_LLM_LOOPBACKSERVER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace step::llm::test {

struct Behaviour {
  enum class Kind { Respond, Truncate, Close };
  Kind kind = Kind::Respond;
  int status = 200;
  std::string body;
  /// Held back this long before answering (checking for shutdown).
  int delayMs = 0;
  /// For Truncate: bytes of the body actually sent before closing.
  size_t sendBytes = 0;

  static Behaviour respond(int status, std::string body, int delayMs = 0) {
    Behaviour b;
    b.status = status;
    b.body = std::move(body);
    b.delayMs = delayMs;
    return b;
  }
  static Behaviour truncate(std::string body, size_t sendBytes) {
    Behaviour b = respond(200, std::move(body));
    b.kind = Kind::Truncate;
    b.sendBytes = sendBytes;
    return b;
  }
  static Behaviour close() {
    Behaviour b;
    b.kind = Kind::Close;
    return b;
  }
};

struct CapturedRequest {
  std::string method, path, body;
  std::map<std::string, std::string> headers; ///< names lower-cased
};

class LoopbackServer {
public:
  LoopbackServer() {
    listenFd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (listenFd < 0 ||
        ::bind(listenFd, reinterpret_cast<sockaddr *>(&addr), len) != 0 ||
        ::listen(listenFd, 16) != 0 ||
        ::getsockname(listenFd, reinterpret_cast<sockaddr *>(&addr), &len) != 0)
      throw std::runtime_error("loopback server: cannot listen");
    portNumber = ntohs(addr.sin_port);
    worker = std::thread([this] { run(); });
  }
  ~LoopbackServer() {
    stopping = true;
    worker.join();
    ::close(listenFd);
  }

  /// Answers requests once the script is used up (instead of HTTP 500).
  void respondWith(std::function<Behaviour(const CapturedRequest &)> f) {
    std::lock_guard<std::mutex> lock(mutex);
    responder = std::move(f);
  }

  void push(Behaviour b) {
    std::lock_guard<std::mutex> lock(mutex);
    script.push_back(std::move(b));
  }
  int port() const { return portNumber; }
  std::string baseUrl() const {
    return "http://127.0.0.1:" + std::to_string(portNumber) + "/v1";
  }
  std::vector<CapturedRequest> requests() const {
    std::lock_guard<std::mutex> lock(mutex);
    return captured;
  }

  /// A port on 127.0.0.1 that nothing listens on (bound, then closed).
  static int closedPort() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    ::bind(fd, reinterpret_cast<sockaddr *>(&addr), len);
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
  }

private:
  void run() {
    while (!stopping) {
      pollfd p{listenFd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0)
        continue;
      int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0)
        continue;
      serve(fd);
      ::close(fd);
    }
  }

  /// Reads until `pred(buffer)` holds, the peer closes, or 2 s pass.
  template <typename Pred> bool readUntil(int fd, std::string &buf, Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    char chunk[4096];
    while (!pred(buf)) {
      if (stopping || std::chrono::steady_clock::now() > deadline)
        return false;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0)
        continue;
      ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0)
        return false;
      buf.append(chunk, size_t(n));
    }
    return true;
  }

  static void sendAll(int fd, const std::string &data) {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n =
          ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0)
        return;
      done += size_t(n);
    }
  }

  void serve(int fd) {
    std::string buf;
    if (!readUntil(fd, buf, [](const std::string &b) {
          return b.find("\r\n\r\n") != std::string::npos;
        }))
      return;
    size_t headEnd = buf.find("\r\n\r\n");
    CapturedRequest req;
    std::string head = buf.substr(0, headEnd);
    size_t lineEnd = head.find("\r\n");
    std::string requestLine = head.substr(0, lineEnd);
    size_t sp1 = requestLine.find(' '), sp2 = requestLine.rfind(' ');
    req.method = requestLine.substr(0, sp1);
    req.path = requestLine.substr(sp1 + 1, sp2 - sp1 - 1);
    for (size_t at = lineEnd; at != std::string::npos && at < head.size();) {
      size_t next = head.find("\r\n", at + 2);
      std::string line =
          head.substr(at + 2, next == std::string::npos ? std::string::npos
                                                        : next - at - 2);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char &c : name)
          c = char(std::tolower(static_cast<unsigned char>(c)));
        size_t v = line.find_first_not_of(' ', colon + 1);
        req.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      at = next;
    }
    if (req.headers.count("expect"))
      sendAll(fd, "HTTP/1.1 100 Continue\r\n\r\n");
    size_t length = req.headers.count("content-length")
                        ? std::stoul(req.headers["content-length"])
                        : 0;
    size_t bodyStart = headEnd + 4;
    readUntil(fd, buf, [&](const std::string &b) {
      return b.size() >= bodyStart + length;
    });
    req.body = buf.substr(bodyStart, length);

    Behaviour b;
    bool scripted = false;
    std::function<Behaviour(const CapturedRequest &)> respond;
    {
      std::lock_guard<std::mutex> lock(mutex);
      captured.push_back(req);
      if (!script.empty()) {
        b = std::move(script.front());
        script.pop_front();
        scripted = true;
      }
      respond = responder;
    }
    if (!scripted && respond) {
      b = respond(req);
      scripted = true;
    }
    if (!scripted)
      b = Behaviour::respond(
          500, R"({"error":{"message":"loopback server: no scripted reply"}})");

    for (int waited = 0; waited < b.delayMs && !stopping; waited += 10)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (b.kind == Behaviour::Kind::Close)
      return;
    std::string reply =
        "HTTP/1.1 " + std::to_string(b.status) + " " +
        (b.status == 200 ? "OK" : "Error") +
        "\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(b.body.size()) + "\r\nConnection: close\r\n\r\n";
    reply += b.kind == Behaviour::Kind::Truncate ? b.body.substr(0, b.sendBytes)
                                                 : b.body;
    sendAll(fd, reply);
  }

  int listenFd = -1;
  int portNumber = 0;
  std::atomic<bool> stopping{false};
  mutable std::mutex mutex;
  std::deque<Behaviour> script;
  std::function<Behaviour(const CapturedRequest &)> responder;
  std::vector<CapturedRequest> captured;
  std::thread worker;
};

} // namespace step::llm::test

#endif // STEP_TEST_UNIT_LLM_LOOPBACKSERVER_H
