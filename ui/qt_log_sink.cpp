#include "qt_log_sink.h"

namespace hogwild::ui {

void LogQueue::push(std::string line) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (detached_) return;
  lines_.push_back(std::move(line));
  if (lines_.size() > kMaxLines) lines_.pop_front();
}

std::vector<std::string> LogQueue::drain() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out(std::make_move_iterator(lines_.begin()), std::make_move_iterator(lines_.end()));
  lines_.clear();
  return out;
}

void LogQueue::detach() {
  std::lock_guard<std::mutex> lock(mutex_);
  detached_ = true;
  lines_.clear();
}

void QtLogSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t buf;
  formatter_->format(msg, buf);
  std::string line(buf.data(), buf.size());
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  queue_->push(std::move(line));
}

}  // namespace hogwild::ui
