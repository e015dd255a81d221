#include "hogwild/event_json.h"

#include <cstdint>

#include "common/error.h"

namespace hogwild {

namespace {
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

constexpr int64_t kMaxInt = 2147483647;
constexpr int64_t kMaxCount = int64_t{1} << 40;

// Integers from untrusted JSON: must be integral JSON numbers within [lo, hi] (a float or a huge value is an
// error, never a wrapped or undefined conversion).
int64_t int_value(const nlohmann::json& v, const char* key, int64_t lo, int64_t hi) {
  if (!v.is_number_integer()) throw ConfigError(std::string("malformed event: field \"") + key + "\" must be an integer");
  const int64_t x = v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX) ? hi + 1 : v.get<int64_t>();
  if (x < lo || x > hi)
    throw ConfigError(std::string("malformed event: field \"") + key + "\" is out of range (" + std::to_string(lo) + ".." + std::to_string(hi) + ")");
  return x;
}
int64_t int_field(const nlohmann::json& j, const char* key, int64_t lo, int64_t hi) { return int_value(j.at(key), key, lo, hi); }
// An array of such integers (finding F6: the elements of block_owner/block_lengths were read with get<>()).
template <class T>
std::vector<T> int_array(const nlohmann::json& j, const char* key, int64_t lo, int64_t hi) {
  const nlohmann::json& a = j.at(key);
  if (!a.is_array()) throw ConfigError(std::string("malformed event: field \"") + key + "\" must be an array of integers");
  std::vector<T> out;
  out.reserve(a.size());
  for (const auto& v : a) out.push_back(static_cast<T>(int_value(v, key, lo, hi)));
  return out;
}
}  // namespace

nlohmann::json event_to_json(const EngineEvent& ev) {
  return std::visit(
      Overloaded{
          [](const TokenEvent& e) {
            nlohmann::json j{{"type", "token"}, {"worker", e.worker}, {"token", e.token}, {"text", e.text},
                             {"step", e.step},  {"pass", e.pass},     {"inserted", e.inserted}};
            if (!e.top.empty()) {
              auto top = nlohmann::json::array();
              for (const auto& [id, p] : e.top) top.push_back({id, p});
              j["top"] = top;
            }
            if (e.rank > 0) {
              j["prob"] = e.prob;
              j["rank"] = e.rank;
            }
            return j;
          },
          [](const StepFinishedEvent& e) {
            return nlohmann::json{{"type", "step_finished"}, {"worker", e.worker}, {"step", e.step},
                                  {"text", e.text},          {"pass", e.pass},     {"history_tokens", e.history_tokens}};
          },
          [](const CollabQuestionEvent& e) {
            return nlohmann::json{{"type", "collab_question"}, {"worker", e.worker}, {"step", e.step},
                                  {"text", e.text},            {"pass", e.pass}};
          },
          [](const StatsEvent& e) {
            nlohmann::json j{{"type", "stats"},          {"pass", e.pass},           {"workers", e.workers},
                             {"layers", e.layers},       {"heads", e.heads},         {"blocks", e.block_names},
                             {"block_owner", e.block_owner}, {"block_lengths", e.block_lengths}, {"mass", e.mass}};
            if (e.drill_layer >= 0 && !e.drill.empty()) {
              j["drill_layer"] = e.drill_layer;
              j["drill"] = e.drill;
            }
            return j;
          },
          [](const FinishedEvent& e) {
            return nlohmann::json{{"type", "finished"}, {"reason", e.reason}, {"answer", e.answer},  {"message", e.message},
                                  {"passes", e.passes}, {"tokens", e.tokens}, {"seconds", e.seconds}};
          }},
      ev);
}

EngineEvent event_from_json(const nlohmann::json& j) {
  try {
    const std::string type = j.at("type").get<std::string>();
    if (type == "token") {
      TokenEvent e;
      e.worker = static_cast<int>(int_field(j, "worker", 0, 63));
      e.token = static_cast<int32_t>(int_field(j, "token", 0, kMaxInt));
      e.text = j.at("text").get<std::string>();
      e.step = static_cast<int>(int_field(j, "step", 0, kMaxInt));
      e.pass = int_field(j, "pass", 0, kMaxCount);
      e.inserted = j.at("inserted").get<bool>();
      if (j.contains("top"))
        for (const auto& t : j["top"]) {
          if (!t.is_array() || t.size() != 2 || !t[0].is_number_integer() || !t[1].is_number())
            throw ConfigError("malformed event: field \"top\" must hold [id, probability] pairs");
          const int64_t id = t[0].get<int64_t>();
          if (id < 0 || id > kMaxInt) throw ConfigError("malformed event: field \"top\" holds an id out of range");
          e.top.emplace_back(static_cast<int32_t>(id), t[1].get<float>());
        }
      if (j.contains("rank")) {
        e.rank = static_cast<int>(int_field(j, "rank", 1, kMaxInt));
        if (!j.at("prob").is_number()) throw ConfigError("malformed event: field \"prob\" must be a number");
        e.prob = j["prob"].get<float>();
      }
      return e;
    }
    if (type == "step_finished") {
      StepFinishedEvent e;
      e.worker = static_cast<int>(int_field(j, "worker", 0, 63));
      e.step = static_cast<int>(int_field(j, "step", 0, kMaxInt));
      e.text = j.at("text").get<std::string>();
      e.pass = int_field(j, "pass", 0, kMaxCount);
      e.history_tokens = int_field(j, "history_tokens", 0, kMaxCount);
      return e;
    }
    if (type == "collab_question") {
      CollabQuestionEvent e;
      e.worker = static_cast<int>(int_field(j, "worker", 0, 63));
      e.step = static_cast<int>(int_field(j, "step", 0, kMaxInt));
      e.text = j.at("text").get<std::string>();
      e.pass = int_field(j, "pass", 0, kMaxCount);
      return e;
    }
    if (type == "stats") {
      StatsEvent e;
      e.pass = int_field(j, "pass", 0, kMaxCount);
      e.workers = static_cast<int>(int_field(j, "workers", 1, 64));
      e.layers = static_cast<int>(int_field(j, "layers", 1, 4096));
      e.heads = static_cast<int>(int_field(j, "heads", 1, 4096));
      e.block_names = j.at("blocks").get<std::vector<std::string>>();
      e.block_owner = int_array<int>(j, "block_owner", -1, e.workers - 1);  // -1: shared, else a worker
      e.block_lengths = int_array<int64_t>(j, "block_lengths", 0, kMaxCount);
      const size_t F = e.block_names.size();
      if (F == 0 || F > 1024 || e.block_owner.size() != F || e.block_lengths.size() != F)
        throw ConfigError("stats event: blocks, block_owner and block_lengths must have the same, non-zero length");
      e.mass = j.at("mass").get<std::vector<float>>();
      if (e.mass.size() != static_cast<size_t>(e.workers) * static_cast<size_t>(e.layers) * static_cast<size_t>(e.heads) * F)
        throw ConfigError("stats event: mass has the wrong size");
      if (j.contains("drill")) {
        e.drill_layer = static_cast<int>(int_field(j, "drill_layer", 0, e.layers - 1));
        e.drill = j.at("drill").get<std::vector<std::vector<float>>>();
      }
      return e;
    }
    if (type == "finished") {
      FinishedEvent e;
      e.reason = j.at("reason").get<std::string>();
      e.answer = j.at("answer").get<std::string>();
      e.message = j.at("message").get<std::string>();
      e.passes = int_field(j, "passes", 0, kMaxCount);
      e.tokens = int_field(j, "tokens", 0, kMaxCount);
      e.seconds = j.at("seconds").get<double>();
      return e;
    }
    throw ConfigError("unknown event type '" + type + "'");
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(std::string("malformed event: ") + e.what());
  }
}

}  // namespace hogwild
