#include "model/default_model.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "common/error.h"
#include "common/log.h"
#include "common/sha256.h"

namespace hogwild {
namespace fs = std::filesystem;

namespace {

struct PinnedFile {
  const char* name;
  const char* url;
  const char* sha256;
};

// karpathy/tinyllamas, revision 0bd21da7698eaf29a0d7de3992de8a46ef624add (see shared/models/stories260K/SOURCE.md).
constexpr const char* kRevisionUrl =
    "https://huggingface.co/karpathy/tinyllamas/resolve/0bd21da7698eaf29a0d7de3992de8a46ef624add/stories260K/";
const PinnedFile kModel{"stories260K.bin", "stories260K.bin", "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696"};
const PinnedFile kTokenizer{"tok512.bin", "tok512.bin", "037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312"};

bool has_valid(const fs::path& p, const PinnedFile& f) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return false;
  try {
    return sha256_file(p.string()) == f.sha256;
  } catch (const Error&) {
    return false;
  }
}

// Downloads url to dest atomically (temp file + rename) with curl; verifies sha256. Returns "" or an error.
std::string download(const std::string& url, const fs::path& dest, const PinnedFile& f) {
  const fs::path tmp = dest.string() + ".part";
  std::error_code ec;
  fs::remove(tmp, ec);
  const pid_t pid = fork();
  if (pid < 0) return "cannot start curl";
  if (pid == 0) {
    execlp("curl", "curl", "-sfL", "--connect-timeout", "10", "--max-time", "300", "-o", tmp.c_str(), url.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fs::remove(tmp, ec);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return code == 127 ? "curl is not installed" : "download failed (curl exit code " + std::to_string(code) + ")";
  }
  if (!has_valid(tmp, f)) {
    fs::remove(tmp, ec);
    return std::string("downloaded ") + f.name + " has the wrong sha256 (expected " + f.sha256 + ")";
  }
  fs::rename(tmp, dest, ec);
  if (ec) return "cannot move the download into place: " + ec.message();
  return "";
}

std::vector<fs::path> shared_dirs() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("HOGWILD_SHARED_MODELS")) dirs.emplace_back(env);
#ifdef HOGWILD_SOURCE_DIR
  dirs.emplace_back(fs::path(HOGWILD_SOURCE_DIR) / ".." / "shared" / "models");
#endif
  return dirs;
}

}  // namespace

std::string user_model_dir() {
  if (const char* env = std::getenv("HOGWILD_MODEL_DIR"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return (fs::path(xdg) / "hogwild-studio" / "models").string();
  const char* home = std::getenv("HOME");
  return (fs::path(home && *home ? home : ".") / ".local" / "share" / "hogwild-studio" / "models").string();
}

ModelFiles ensure_default_model(const std::function<void(const std::string&)>& status) {
  auto say = [&](const std::string& s) {
    logger("model")->info("{}", s);
    if (status) status(s);
  };
  const fs::path dir = user_model_dir();
  const fs::path model = dir / kModel.name, tok = dir / kTokenizer.name;
  if (has_valid(model, kModel) && has_valid(tok, kTokenizer)) return {model.string(), tok.string(), "model folder"};

  std::string why;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    why = "cannot create " + dir.string() + ": " + ec.message();
  } else {
    for (const PinnedFile* f : {&kModel, &kTokenizer}) {
      const fs::path dest = dir / f->name;
      if (has_valid(dest, *f)) continue;
      say(std::string("downloading ") + f->name + " from Hugging Face (karpathy/tinyllamas)...");
      why = download(std::string(kRevisionUrl) + f->url, dest, *f);
      if (!why.empty()) break;
    }
    if (why.empty()) {
      say("default model downloaded to " + dir.string());
      return {model.string(), tok.string(), "downloaded"};
    }
  }
  for (const fs::path& shared : shared_dirs()) {
    const fs::path m = shared / "stories260K" / kModel.name;
    fs::path t = shared / "stories260K" / "tok512.model";
    if (!fs::exists(t, ec)) t = shared / "stories260K" / kTokenizer.name;
    if (fs::is_regular_file(m, ec) && fs::is_regular_file(t, ec)) {
      say("no network (" + why + "): using the shared fixtures in " + fs::weakly_canonical(shared, ec).string());
      return {m.string(), t.string(), "shared fixtures"};
    }
  }
  throw Error("the default model stories260K is not in " + dir.string() + " and could not be downloaded: " + why +
              ". Put stories260K.bin and tok512.bin from huggingface.co/karpathy/tinyllamas into that folder, or "
              "set HOGWILD_MODEL_DIR.");
}

}  // namespace hogwild
