#include "model/default_model.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/log.h"
#include "common/sha256.h"
#include "model/known_models.h"

namespace hogwild {
namespace fs = std::filesystem;

namespace {

// The default model is the catalog's stories260K entry (known_models.cpp: karpathy/tinyllamas at a pinned revision,
// see shared/models/stories260K/SOURCE.md, sha256 of both files).
bool has_valid(const fs::path& p, const KnownFile& f) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return false;
  try {
    return sha256_file(p.string()) == f.sha256;
  } catch (const Error&) {
    return false;
  }
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
  const KnownModel& m = known_model("stories260k");
  const fs::path dir = user_model_dir();
  bool present = true;
  for (const KnownFile& f : m.files) present = present && has_valid(dir / f.name, f);
  if (present) return known_model_files(m, dir.string());

  std::string why;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    why = "cannot create " + dir.string() + ": " + ec.message();
  } else {
    try {
      say("downloading stories260K from Hugging Face (karpathy/tinyllamas)...");
      ModelFiles f = download_known_model(m, dir.string());
      say("default model downloaded to " + dir.string());
      return f;
    } catch (const DownloadError& e) {
      why = e.what();
    }
  }
  for (const fs::path& shared : shared_dirs()) {
    const fs::path model = shared / "stories260K" / m.files[0].name;
    fs::path t = shared / "stories260K" / "tok512.model";
    if (!fs::exists(t, ec)) t = shared / "stories260K" / m.files[1].name;
    if (fs::is_regular_file(model, ec) && fs::is_regular_file(t, ec)) {
      say("no network (" + why + "): using the shared fixtures in " + fs::weakly_canonical(shared, ec).string());
      return {model.string(), t.string(), "shared fixtures"};
    }
  }
  throw Error("the default model stories260K is not in " + dir.string() + " and could not be downloaded: " + why +
              ". Put stories260K.bin and tok512.bin from huggingface.co/karpathy/tinyllamas into that folder, or "
              "set HOGWILD_MODEL_DIR.");
}

}  // namespace hogwild
