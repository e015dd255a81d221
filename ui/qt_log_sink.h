#pragma once
// An spdlog sink for the GUI's log panel. spdlog calls sink_it_ on whatever thread logs (the engine thread
// mostly), so the sink never touches a widget: it appends formatted lines to a bounded, mutex-protected queue
// that the log panel drains on the GUI thread with a timer. The queue is shared, so the sink may outlive the
// panel (spdlog keeps sinks until exit); a detached queue drops lines.
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/sinks/base_sink.h>

namespace hogwild::ui {

class LogQueue {
 public:
  void push(std::string line);
  std::vector<std::string> drain();
  void detach();

 private:
  static constexpr size_t kMaxLines = 5000;
  std::mutex mutex_;
  std::deque<std::string> lines_;
  bool detached_ = false;
};

class QtLogSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit QtLogSink(std::shared_ptr<LogQueue> queue) : queue_(std::move(queue)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::shared_ptr<LogQueue> queue_;
};

}  // namespace hogwild::ui
