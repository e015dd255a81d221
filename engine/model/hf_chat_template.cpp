#include "model/hf_chat_template.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace hogwild {

ChatTemplateInfo detect_chat_template(std::string_view t) {
  ChatTemplateInfo info;
  if (t.find("<｜Assistant｜>") != std::string_view::npos) info.kind = ChatTemplateKind::DeepSeekR1;
  else if (t.find("<|start_header_id|>") != std::string_view::npos) info.kind = ChatTemplateKind::Llama3;
  else if (t.find("<|im_start|>") != std::string_view::npos) info.kind = ChatTemplateKind::ChatML;
  info.thinking = t.find("<think>") != std::string_view::npos;
  if (info.thinking && info.kind == ChatTemplateKind::ChatML) info.think_opener = "<think>\n";
  return info;
}

std::string read_hf_chat_template(const std::string& dir) {
  namespace fs = std::filesystem;
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  std::error_code ec;
  const fs::path cfg = fs::path(dir) / "tokenizer_config.json";
  if (fs::exists(cfg, ec)) {
    try {
      const auto j = nlohmann::json::parse(slurp(cfg));
      if (j.contains("chat_template")) {
        const auto& t = j["chat_template"];
        if (t.is_string()) return t.get<std::string>();
        if (t.is_array()) {
          for (const auto& e : t) {
            if (e.is_object() && e.value("name", "") == "default" && e.contains("template") && e["template"].is_string())
              return e["template"].get<std::string>();
          }
        }
      }
    } catch (const nlohmann::json::exception&) {
      // an unreadable config has no usable template; the tokenizer loader reports the file itself
    }
  }
  const fs::path jinja = fs::path(dir) / "chat_template.jinja";
  if (fs::exists(jinja, ec)) return slurp(jinja);
  return "";
}

}  // namespace hogwild
