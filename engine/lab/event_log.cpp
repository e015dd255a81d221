#include "lab/event_log.h"

#include <zlib.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "hogwild/event_json.h"

namespace hogwild::lab {

using nlohmann::json;

namespace {

void append_line(std::string& out, const EngineEvent& e) {
  json j = event_to_json(e);
  if (std::holds_alternative<StatsEvent>(e) && j.contains("mass"))
    for (auto& m : j["mass"]) m = std::round(m.get<double>() * 1e4) / 1e4;  // shortest form: "0.1234"
  out += j.dump(-1, ' ', false, json::error_handler_t::replace);
  out += '\n';
}

template <class T>
EngineEvent with_worker(const T& e, int worker) {
  T copy = e;
  copy.worker = worker;
  return copy;
}

}  // namespace

void EventLogWriter::add(const EngineEvent& e, int worker) {
  if (const auto* s = std::get_if<StatsEvent>(&e)) {
    if (worker >= 0) return;
    if (stats_every_ > 0 && s->pass % stats_every_ == 0) {
      append_line(jsonl_, stats_without_drill(*s));
      last_dropped_stats_.reset();
    } else {
      last_dropped_stats_ = stats_without_drill(*s);
    }
    return;
  }
  if (worker >= 0) {
    if (const auto* t = std::get_if<TokenEvent>(&e)) return append_line(jsonl_, with_worker(*t, worker));
    if (const auto* f = std::get_if<StepFinishedEvent>(&e)) return append_line(jsonl_, with_worker(*f, worker));
    if (const auto* q = std::get_if<CollabQuestionEvent>(&e)) return append_line(jsonl_, with_worker(*q, worker));
    if (std::holds_alternative<FinishedEvent>(e)) return;  // the run's own FinishedEvent is added at the end
  }
  if (std::holds_alternative<FinishedEvent>(e)) {
    finished_line_.clear();
    append_line(finished_line_, e);  // written last, after the newest statistics
    return;
  }
  append_line(jsonl_, e);
}

std::string EventLogWriter::finish() {
  if (last_dropped_stats_) append_line(jsonl_, *last_dropped_stats_);
  last_dropped_stats_.reset();
  jsonl_ += finished_line_;
  finished_line_.clear();
  return std::move(jsonl_);
}

std::string compress_text(std::string_view text) {
  uLongf size = compressBound(static_cast<uLong>(text.size()));
  std::string out(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(text.data()),
                static_cast<uLong>(text.size()), 6) != Z_OK)
    throw Error("cannot compress an event log");
  out.resize(size);
  return out;
}

std::string decompress_text(std::string_view data, size_t raw_size) {
  std::string out(raw_size, '\0');
  uLongf size = static_cast<uLongf>(raw_size);
  const int rc = uncompress(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(data.data()),
                            static_cast<uLong>(data.size()));
  if (rc != Z_OK || size != raw_size) throw Error("the stored event log is corrupt (zlib error " + std::to_string(rc) + ")");
  return out;
}

std::vector<EngineEvent> parse_event_log(std::string_view jsonl) {
  std::vector<EngineEvent> out;
  size_t line = 0;
  for (size_t pos = 0; pos < jsonl.size();) {
    size_t end = jsonl.find('\n', pos);
    if (end == std::string_view::npos) end = jsonl.size();
    ++line;
    const std::string_view text = jsonl.substr(pos, end - pos);
    pos = end + 1;
    if (text.empty()) continue;
    try {
      out.push_back(event_from_json(json::parse(text)));
    } catch (const std::exception& e) {
      throw ConfigError("event log line " + std::to_string(line) + ": " + e.what());
    }
  }
  return out;
}

}  // namespace hogwild::lab
