#include "hogwild/event_json.h"

#include "common/error.h"

namespace hogwild {

namespace {
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;
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
      e.worker = j.at("worker").get<int>();
      e.token = j.at("token").get<int32_t>();
      e.text = j.at("text").get<std::string>();
      e.step = j.at("step").get<int>();
      e.pass = j.at("pass").get<int64_t>();
      e.inserted = j.at("inserted").get<bool>();
      if (j.contains("top"))
        for (const auto& t : j["top"]) e.top.emplace_back(t.at(0).get<int32_t>(), t.at(1).get<float>());
      return e;
    }
    if (type == "step_finished") {
      StepFinishedEvent e;
      e.worker = j.at("worker").get<int>();
      e.step = j.at("step").get<int>();
      e.text = j.at("text").get<std::string>();
      e.pass = j.at("pass").get<int64_t>();
      e.history_tokens = j.at("history_tokens").get<int64_t>();
      return e;
    }
    if (type == "collab_question") {
      CollabQuestionEvent e;
      e.worker = j.at("worker").get<int>();
      e.step = j.at("step").get<int>();
      e.text = j.at("text").get<std::string>();
      e.pass = j.at("pass").get<int64_t>();
      return e;
    }
    if (type == "stats") {
      StatsEvent e;
      e.pass = j.at("pass").get<int64_t>();
      e.workers = j.at("workers").get<int>();
      e.layers = j.at("layers").get<int>();
      e.heads = j.at("heads").get<int>();
      e.block_names = j.at("blocks").get<std::vector<std::string>>();
      e.block_owner = j.at("block_owner").get<std::vector<int>>();
      e.block_lengths = j.at("block_lengths").get<std::vector<int64_t>>();
      e.mass = j.at("mass").get<std::vector<float>>();
      if (e.mass.size() != static_cast<size_t>(e.workers) * e.layers * e.heads * e.block_names.size())
        throw ConfigError("stats event: mass has the wrong size");
      if (j.contains("drill")) {
        e.drill_layer = j.at("drill_layer").get<int>();
        e.drill = j.at("drill").get<std::vector<std::vector<float>>>();
      }
      return e;
    }
    if (type == "finished") {
      FinishedEvent e;
      e.reason = j.at("reason").get<std::string>();
      e.answer = j.at("answer").get<std::string>();
      e.message = j.at("message").get<std::string>();
      e.passes = j.at("passes").get<int64_t>();
      e.tokens = j.at("tokens").get<int64_t>();
      e.seconds = j.at("seconds").get<double>();
      return e;
    }
    throw ConfigError("unknown event type '" + type + "'");
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError(std::string("malformed event: ") + e.what());
  }
}

}  // namespace hogwild
