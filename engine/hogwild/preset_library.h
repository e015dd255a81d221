#pragma once
// Where the shipped presets live: $HOGWILD_PRESET_DIR, the installed share/hogwild-studio/presets beside the
// executable, or the source tree's resources/presets (build tree).
#include <filesystem>
#include <string>
#include <vector>

namespace hogwild {

std::vector<std::filesystem::path> preset_search_dirs();
// A path to an existing file is returned as is; a bare name ("hogwild-paper" or "hogwild-paper.json") is looked up
// in the search dirs. Throws ConfigError listing where it looked.
std::filesystem::path find_preset(const std::string& name_or_path);
// Every *.json in the first search dir that exists, sorted by name.
std::vector<std::filesystem::path> builtin_presets();

}  // namespace hogwild
