#include "model/download.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "common/log.h"
#include "common/sha256.h"

namespace hogwild {
namespace fs = std::filesystem;

namespace {

int64_t file_size_or_zero(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) out.append(buf, static_cast<size_t>(n));
    else if (n < 0 && errno == EINTR) continue;
    else break;
  }
  return out;
}

std::string last_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  const size_t nl = s.find_last_of('\n');
  s = nl == std::string::npos ? s : s.substr(nl + 1);
  if (s.rfind("curl: ", 0) == 0) s = s.substr(6);
  return s;
}

struct CurlRun {
  int exit_code = -1;  // curl's exit code; -1: killed (cancel)
  int http_code = 0;
  std::string error;   // curl's last stderr line
};

// One curl transfer into `part` (continued with -C - when `resume`). Polls the .part size for progress and the
// cancel flag every 100 ms.
CurlRun run_curl(const DownloadRequest& req, const std::string& part, bool resume, const DownloadProgress& progress,
                 const std::atomic<bool>* cancel) {
  std::vector<std::string> args = {"curl", "-sS", "-f", "-L", "--connect-timeout", std::to_string(req.connect_timeout_s),
                                   "--speed-limit", "1024", "--speed-time", std::to_string(req.stall_timeout_s),
                                   "--noproxy", "127.0.0.1,localhost", "-w", "%{http_code}", "-o", part};
  if (resume) {
    args.push_back("-C");
    args.push_back("-");
  }
  args.push_back(req.url);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2], err[2];
  if (::pipe(out) != 0) throw DownloadError(DownloadError::Kind::Failed, "cannot start curl (pipe)");
  if (::pipe(err) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    throw DownloadError(DownloadError::Kind::Failed, "cannot start curl (pipe)");
  }
  const pid_t pid = ::fork();
  if (pid < 0) throw DownloadError(DownloadError::Kind::Failed, "cannot start curl (fork)");
  if (pid == 0) {  // only async-signal-safe calls until exec
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::close(out[0]);
    ::close(err[0]);
    ::execvp("curl", argv.data());
    _exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  // stderr and the -w output are a few bytes: they fit the pipes, so they are read after curl exits.
  CurlRun r;
  int status = 0;
  bool killed = false;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
    if (cancel && cancel->load() && !killed) {
      ::kill(pid, SIGTERM);
      killed = true;
    }
    if (progress) progress(file_size_or_zero(part), req.size > 0 ? req.size : req.size_hint);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string code = read_all(out[0]);
  r.error = last_line(read_all(err[0]));
  ::close(out[0]);
  ::close(err[0]);
  r.http_code = std::atoi(code.c_str());
  r.exit_code = killed ? -1 : (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return r;
}

void fsync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

DownloadResult download_file(const DownloadRequest& req, const DownloadProgress& progress, const std::atomic<bool>* cancel) {
  using Kind = DownloadError::Kind;
  const std::string name = fs::path(req.dest).filename().string();
  DownloadResult res;
  res.path = req.dest;
  std::error_code ec;
  if (!req.sha256.empty() && fs::is_regular_file(req.dest, ec)) {
    try {
      if (sha256_file(req.dest) == req.sha256) {
        res.sha256 = req.sha256;
        res.bytes = file_size_or_zero(req.dest);
        res.already_there = true;
        return res;
      }
    } catch (const Error&) {
    }
  }
  fs::create_directories(fs::path(req.dest).parent_path(), ec);
  const std::string part = req.dest + ".part";
  int64_t have = file_size_or_zero(part);
  if (req.size > 0 && have > req.size) {  // longer than the file: not a prefix of it
    fs::remove(part, ec);
    have = 0;
  }
  res.resumed = have > 0;
  bool complete = req.size > 0 && have == req.size;  // a finished transfer whose check was interrupted
  for (int attempt = 0; !complete && attempt < 2; ++attempt) {
    const bool resume = file_size_or_zero(part) > 0;
    const CurlRun r = run_curl(req, part, resume, progress, cancel);
    if (r.exit_code == 0) {
      complete = true;
      break;
    }
    if (r.exit_code == -1 && cancel && cancel->load())
      throw DownloadError(Kind::Cancelled, name + ": download cancelled (the part already downloaded is kept and resumed next time)");
    if (resume && r.exit_code == 33) {  // the server ignores byte ranges: start over
      logger("model")->info("{}: the server cannot resume, downloading from the start", name);
      fs::remove(part, ec);
      res.resumed = false;
      continue;
    }
    if (resume && r.http_code == 416) {  // "range not satisfiable": the .part already holds the whole file
      complete = true;
      break;
    }
    if (r.exit_code == 127) throw DownloadError(Kind::Failed, "cannot download " + name + ": curl is not installed");
    if (r.exit_code == 5 || r.exit_code == 6 || r.exit_code == 7 || (r.exit_code == 28 && r.http_code == 0))
      throw DownloadError(Kind::Offline, "no network: cannot reach " + req.url + " (" + r.error + ")");
    if (r.http_code == 404) throw DownloadError(Kind::NotFound, name + " was not found on the server (HTTP 404): " + req.url);
    const std::string why = r.http_code >= 400 ? "HTTP " + std::to_string(r.http_code) : r.error.empty() ? "curl exit code " + std::to_string(r.exit_code) : r.error;
    throw DownloadError(Kind::Failed, "download of " + name + " failed: " + why +
                                          (file_size_or_zero(part) > 0 ? " (the part downloaded so far is kept and resumed next time)" : ""));
  }
  if (!complete) throw DownloadError(Kind::Failed, "download of " + name + " failed: the server cannot resume and a fresh start failed too");
  res.bytes = file_size_or_zero(part);
  if (progress) progress(res.bytes, req.size > 0 ? req.size : res.bytes);
  std::string got;
  try {
    got = sha256_file(part);
  } catch (const Error& e) {
    throw DownloadError(Kind::Failed, std::string("download of ") + name + " failed: " + e.what());
  }
  if (!req.sha256.empty() && got != req.sha256) {
    fs::remove(part, ec);
    throw DownloadError(Kind::HashMismatch, name + ": the downloaded file has sha256 " + got + ", expected " + req.sha256 +
                                                " (the download was deleted: try again, or the file on the server changed)");
  }
  fsync_file(part);
  fs::rename(part, req.dest, ec);
  if (ec) throw DownloadError(Kind::Failed, "cannot move the download of " + name + " into place: " + ec.message());
  res.sha256 = got;
  if (req.sha256.empty()) logger("model")->info("{}: no pinned sha256; downloaded file has sha256 {}", name, got);
  return res;
}

}  // namespace hogwild
