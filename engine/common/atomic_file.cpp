#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/error.h"

namespace hogwild {

void write_file_atomically(const std::filesystem::path& path, std::string_view data, std::string_view what) {
  const std::string target = path.string();
  auto fail = [&](const std::string& why, int err) {
    throw ConfigError(target + ": cannot save " + std::string(what) + ": " + why + (err ? " (" + std::string(std::strerror(err)) + ")" : ""));
  };
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string tmp_name = path.filename().string();
  tmp_name.insert(0, 1, '.');
  tmp_name += ".tmp-XXXXXX";
  std::string tmp = (dir / tmp_name).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) fail("cannot create a file in " + dir.string(), errno);
  auto abort_save = [&](const std::string& why, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(why, err);
  };
  struct stat st {};
  const mode_t mode = ::stat(target.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  if (::fchmod(fd, mode) != 0) abort_save("cannot set permissions", errno);
  for (size_t done = 0; done < data.size();) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      abort_save("write failed", errno);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) abort_save("fsync failed", errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail("close failed", err);
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail("rename failed", err);
  }
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);  // persist the directory entry (best effort)
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace hogwild
