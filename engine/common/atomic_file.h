#pragma once
// Files the user keeps are written atomically: a hidden temp file in the target's folder, fsync, rename over the
// target. A reader sees the old file or the new one, never a partial write; on failure the temp file is removed.
#include <filesystem>
#include <string_view>

namespace hogwild {

// Throws ConfigError("<path>: cannot save <what>: <reason> (<errno text>)") on failure. The mode of a replaced file is kept (new: 0644).
void write_file_atomically(const std::filesystem::path& path, std::string_view data, std::string_view what = "the file");

}  // namespace hogwild
