#pragma once
// A small HTTP/1.1 server on 127.0.0.1 for the download tests (engine and UI): serves byte strings by path, with
// range requests (206), and on demand a transfer cut off mid-way, no range support, a corrupted body or a slow
// trickle. One connection at a time, on its own thread.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hogwild::http_test {

class TestServer {
 public:
  enum class Mode { Normal, DropAfter, NoRanges, Corrupt, Slow };

  explicit TestServer(std::string body = {}) {
    if (!body.empty()) files_["/model.gguf"] = std::move(body);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 8) != 0) throw std::runtime_error("bind");
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~TestServer() {
    stop_.store(true);
    thread_.join();
    ::close(fd_);
  }
  std::string url(const std::string& path = "/model.gguf") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  void set_mode(Mode m, size_t drop_after = 0) {
    mode_.store(m);
    drop_after_.store(drop_after);
  }
  // Serves `body` at `path` (any time: the server thread reads the table under the same lock).
  void add(const std::string& path, std::string body) {
    std::lock_guard l(m_);
    files_[path] = std::move(body);
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> ranges() {
    std::lock_guard l(m_);
    return ranges_;
  }
  int requests() const { return requests_.load(); }

 private:
  void loop() {
    while (!stop_.load()) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      serve(c);
      ::close(c);
    }
  }
  static bool send_all(int c, const char* data, size_t n) {
    while (n > 0) {
      const ssize_t k = ::send(c, data, n, MSG_NOSIGNAL);
      if (k <= 0) return false;
      data += k;
      n -= static_cast<size_t>(k);
    }
    return true;
  }
  void serve(int c) {
    std::string req;
    char buf[2048];
    while (req.find("\r\n\r\n") == std::string::npos) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) return;
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      req.append(buf, static_cast<size_t>(n));
    }
    ++requests_;
    bool path_missing = false;
    const std::string path = req.substr(req.find(' ') + 1, req.find(' ', req.find(' ') + 1) - req.find(' ') - 1);
    size_t from = 0;
    std::smatch m;
    const bool ranged = std::regex_search(req, m, std::regex("Range: bytes=(\\d+)-", std::regex::icase));
    {
      std::lock_guard l(m_);
      ranges_.push_back(ranged ? m[1].str() : "");
    }
    std::string body;
    {
      std::lock_guard l(m_);
      const auto file = files_.find(path);
      if (file != files_.end()) body = file->second;
      else path_missing = true;
    }
    if (path_missing) {
      const std::string r = "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found";
      send_all(c, r.data(), r.size());
      return;
    }
    const Mode mode = mode_.load();
    if (mode == Mode::Corrupt) body[body.size() / 2] ^= 0x5a;
    std::string head;
    if (ranged && mode != Mode::NoRanges) {
      from = std::stoul(m[1].str());
      if (from >= body.size()) {
        head = "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */" + std::to_string(body.size()) + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        send_all(c, head.data(), head.size());
        return;
      }
      head = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + std::to_string(from) + "-" + std::to_string(body.size() - 1) + "/" +
             std::to_string(body.size()) + "\r\n";
    } else {
      head = "HTTP/1.1 200 OK\r\n";
    }
    head += "Content-Length: " + std::to_string(body.size() - from) + "\r\nConnection: close\r\n\r\n";
    send_all(c, head.data(), head.size());
    size_t n = body.size() - from;
    if (mode == Mode::DropAfter) n = std::min(n, drop_after_.load());
    if (mode == Mode::Slow) {
      for (size_t off = 0; off < n && !stop_.load(); off += 16384) {
        if (!send_all(c, body.data() + from + off, std::min<size_t>(16384, n - off))) return;  // the client is gone
        std::this_thread::sleep_for(std::chrono::milliseconds(40));
      }
      return;
    }
    send_all(c, body.data() + from, n);  // DropAfter: the connection closes before Content-Length bytes
  }

  std::map<std::string, std::string> files_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<Mode> mode_{Mode::Normal};
  std::atomic<size_t> drop_after_{0};
  std::atomic<int> requests_{0};
  std::mutex m_;
  std::vector<std::string> ranges_;
};

}  // namespace hogwild::http_test
