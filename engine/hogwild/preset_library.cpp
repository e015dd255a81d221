#include "hogwild/preset_library.h"

#include <algorithm>
#include <cstdlib>
#include <unistd.h>

#include "common/error.h"

namespace hogwild {
namespace fs = std::filesystem;

std::vector<fs::path> preset_search_dirs() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("HOGWILD_PRESET_DIR"); env && *env) dirs.emplace_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path() / ".." / "share" / "hogwild-studio" / "presets");
#ifdef HOGWILD_SOURCE_DIR
  dirs.push_back(fs::path(HOGWILD_SOURCE_DIR) / "resources" / "presets");
#endif
  return dirs;
}

fs::path find_preset(const std::string& name) {
  std::error_code ec;
  if (fs::is_regular_file(name, ec)) return name;
  const std::string file = name.size() > 5 && name.ends_with(".json") ? name : name + ".json";
  std::string looked;
  for (const fs::path& d : preset_search_dirs()) {
    const fs::path p = d / file;
    if (fs::is_regular_file(p, ec)) return p;
    looked += (looked.empty() ? "" : ", ") + d.lexically_normal().string();
  }
  throw ConfigError("preset '" + name + "' not found (not a file; looked in " + looked + ")");
}

std::vector<fs::path> builtin_presets() {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const fs::path& d : preset_search_dirs()) {
    if (!fs::is_directory(d, ec)) continue;
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.path().extension() == ".json") out.push_back(e.path());
    if (!out.empty()) break;
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace hogwild
