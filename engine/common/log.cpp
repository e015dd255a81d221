#include "common/log.h"

#include <mutex>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace hogwild {
namespace {
std::mutex g_mutex;
spdlog::level::level_enum g_level = spdlog::level::warn;
std::vector<std::shared_ptr<spdlog::sinks::sink>>& sinks() {
  static std::vector<std::shared_ptr<spdlog::sinks::sink>> s{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  return s;
}
}  // namespace

std::shared_ptr<spdlog::logger> logger(const std::string& subsystem) {
  std::lock_guard lock(g_mutex);
  if (auto existing = spdlog::get(subsystem)) return existing;
  auto lg = std::make_shared<spdlog::logger>(subsystem, sinks().begin(), sinks().end());
  lg->set_level(g_level);
  lg->set_pattern("[%H:%M:%S.%e] [%n] [%l] %v");
  spdlog::register_logger(lg);
  return lg;
}

void set_log_level(const std::string& level) {
  std::lock_guard lock(g_mutex);
  g_level = spdlog::level::from_str(level);
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->set_level(g_level); });
}

void add_log_sink(std::shared_ptr<spdlog::sinks::sink> sink) {
  std::lock_guard lock(g_mutex);
  sinks().push_back(sink);
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->sinks().push_back(sink); });
}

}  // namespace hogwild
