#pragma once
// The one downloader of the project (default model, the Models dialog's catalog): HTTP(S) with curl, into
// "<dest>.part", resumed where an interrupted transfer stopped (when the server supports byte ranges), the sha256
// verified, then renamed over <dest> — the final name never holds a partial or unverified file.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "common/error.h"

namespace hogwild {

struct DownloadRequest {
  std::string url;
  std::string dest;       // final path; the transfer goes to dest + ".part"
  std::string sha256;     // expected lowercase hex; "" = not pinned: the hash is computed and reported (checked on
                          // first download), the file is kept
  int64_t size = 0;       // exact expected bytes, 0 when unknown
  int64_t size_hint = 0;  // about this many bytes (progress total only) when `size` is unknown
  int connect_timeout_s = 10;
  int stall_timeout_s = 30;  // abort when less than 1 KiB/s arrives for this long (a dead connection)
};

struct DownloadResult {
  std::string path;    // dest
  std::string sha256;  // of the file (verified, or computed when the request had none)
  int64_t bytes = 0;
  bool resumed = false;     // continued a .part left by an interrupted transfer
  bool already_there = false;  // dest existed with the right hash: nothing was downloaded
};

class DownloadError : public Error {
 public:
  enum class Kind { Offline, NotFound, HashMismatch, Cancelled, Failed };
  DownloadError(Kind kind, const std::string& message) : Error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// progress(done, total): total 0 when unknown; called from the calling thread about every 100 ms.
using DownloadProgress = std::function<void(int64_t done, int64_t total)>;

// Downloads req.url to req.dest. An existing dest with the right sha256 is kept. A leftover .part is continued
// with a range request; a server that ignores ranges restarts the transfer from zero. A hash mismatch deletes the
// .part (the next try starts over). `cancel` stops curl and keeps the .part for a later resume. Throws
// DownloadError with one line: no network (curl could not resolve or connect), HTTP 404, hash mismatch,
// cancelled, or any other failure (curl's own message).
DownloadResult download_file(const DownloadRequest& req, const DownloadProgress& progress = {},
                             const std::atomic<bool>* cancel = nullptr);

}  // namespace hogwild
