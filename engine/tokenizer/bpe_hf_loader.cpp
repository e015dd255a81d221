// BpeTokenizer from Hugging Face files (tokenizer.json; vocab.json + merges.txt + tokenizer_config.json) and from
// tiktoken rank files. Everything read here is untrusted: sizes and ids are checked, errors name the file.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/log.h"
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/bpe_unicode.h"

namespace hogwild {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr int32_t kMaxTokens = 1 << 24;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError(path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json parse_json(const std::string& path) {
  try {
    return json::parse(read_file(path));
  } catch (const json::exception& e) {
    throw ModelError(path + ": invalid JSON: " + e.what());
  }
}

std::vector<std::pair<std::string, int32_t>> vocab_from_json(const json& j, const std::string& origin) {
  if (!j.is_object()) throw ModelError(origin + ": vocab is not an object of token -> id");
  std::vector<std::pair<std::string, int32_t>> v;
  v.reserve(j.size());
  for (const auto& [text, id] : j.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= kMaxTokens)
      throw ModelError(origin + ": token '" + text + "' has an invalid id");
    v.emplace_back(text, id.get<int32_t>());
  }
  return v;
}

std::pair<std::string, std::string> split_merge(const std::string& line, const std::string& origin, size_t rank) {
  const size_t sp = line.find(' ', 1);
  if (sp == std::string::npos || sp + 1 >= line.size() || line.find(' ', sp + 1) != std::string::npos)
    throw ModelError(origin + ": merge " + std::to_string(rank) + " '" + line + "' is not 'A B'");
  return {line.substr(0, sp), line.substr(sp + 1)};
}

std::vector<std::pair<std::string, std::string>> merges_from_txt(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> merges;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.starts_with("#version")) continue;
    merges.push_back(split_merge(line, path, merges.size()));
  }
  return merges;
}

// The pre-tokenizer a tokenizer.json describes (the regexes of the families we support), or throws.
BpePreTokenizer pre_from_json(const json& pt, const std::string& origin) {
  static const std::string kLlama3 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  static const std::string kQwen2 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  std::vector<json> steps;
  if (pt.is_object() && pt.value("type", "") == "Sequence" && pt.contains("pretokenizers")) {
    for (const auto& s : pt["pretokenizers"]) steps.push_back(s);
  } else if (pt.is_object()) {
    steps.push_back(pt);
  }
  bool digits = false, byte_level_regex = false;
  std::optional<BpePreTokenizer> split;
  for (const auto& s : steps) {
    const std::string type = s.value("type", "");
    if (type == "Split" && s.contains("pattern") && s["pattern"].contains("Regex")) {
      const std::string re = s["pattern"]["Regex"].get<std::string>();
      if (re == kLlama3) split = BpePreTokenizer::Llama3;
      else if (re == kQwen2) split = BpePreTokenizer::Qwen2;
      else throw ModelError(origin + ": unsupported pre-tokenizer regex " + re);
    } else if (type == "Digits") {
      digits = s.value("individual_digits", false);
    } else if (type == "ByteLevel") {
      byte_level_regex = s.value("use_regex", true);
    } else {
      throw ModelError(origin + ": unsupported pre-tokenizer step '" + type + "'");
    }
  }
  if (split) return *split;
  if (byte_level_regex) return digits ? BpePreTokenizer::Starcoder : BpePreTokenizer::Gpt2;
  throw ModelError(origin + ": no supported pre-tokenizer (expected a ByteLevel or Split step)");
}

bool has_nfc(const json& n) {
  if (!n.is_object()) return false;
  const std::string type = n.value("type", "");
  if (type == "NFC") return true;
  if (type == "Sequence" && n.contains("normalizers")) {
    for (const auto& s : n["normalizers"]) {
      if (has_nfc(s)) return true;
    }
  }
  return false;
}

// tokenizer_config.json's bos_token / eos_token: a string or {"content": ...}; "" when absent or null.
std::string config_token(const json& cfg, const char* key) {
  if (!cfg.contains(key)) return "";
  const json& v = cfg[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return "";
}

std::string base64_decode(std::string_view s, const std::string& origin, size_t line) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    const int v = val(c);
    if (v < 0) throw ModelError(origin + ": line " + std::to_string(line) + " is not base64");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace

std::unique_ptr<BpeTokenizer> BpeTokenizer::from_parts(std::string origin, const BpeOptions& options,
                                                       const std::vector<std::pair<std::string, int32_t>>& vocab,
                                                       const std::vector<std::pair<std::string, std::string>>& merges,
                                                       const std::vector<BpeAddedToken>& added) {
  std::unique_ptr<BpeTokenizer> t(new BpeTokenizer(std::move(origin), options));
  int32_t n = 0;
  for (const auto& [text, id] : vocab) n = std::max(n, id + 1);
  t->tokens_.resize(static_cast<size_t>(n));
  t->bytes_.resize(static_cast<size_t>(n));
  t->kinds_.assign(static_cast<size_t>(n), Kind::Unused);
  for (int32_t i = 0; i < n; ++i) t->tokens_[static_cast<size_t>(i)] = "[PAD" + std::to_string(i) + "]";
  std::unordered_map<std::string_view, int32_t> by_text;
  by_text.reserve(vocab.size());
  for (const auto& [text, id] : vocab) {
    const auto i = static_cast<size_t>(id);
    if (t->kinds_[i] != Kind::Unused) throw ModelError(t->origin_ + ": token id " + std::to_string(id) + " is used twice");
    t->tokens_[i] = text;
    t->kinds_[i] = Kind::Normal;
    t->bytes_[i] = unicode::mapped_to_bytes(text);
    by_text.emplace(text, id);
  }
  t->merges_.reserve(merges.size());
  std::string joined;
  for (size_t r = 0; r < merges.size(); ++r) {
    const auto& [a, b] = merges[r];
    joined = a + b;
    const auto ia = by_text.find(a), ib = by_text.find(b), ir = by_text.find(joined);
    if (ia == by_text.end() || ib == by_text.end() || ir == by_text.end())
      throw ModelError(t->origin_ + ": merge " + std::to_string(r) + " '" + a + " " + b + "' names a token that is not in the vocabulary");
    t->merges_.try_emplace(pair_key(ia->second, ib->second), Merge{static_cast<int32_t>(r), ir->second});
  }
  t->add_added_tokens(added);
  t->finish();
  return t;
}

std::unique_ptr<BpeTokenizer> BpeTokenizer::from_hf_files(const std::string& vocab_json, const std::string& merges_txt,
                                                          const std::vector<BpeAddedToken>& added, const BpeOptions& options) {
  return from_parts(vocab_json, options, vocab_from_json(parse_json(vocab_json), vocab_json), merges_from_txt(merges_txt), added);
}

std::unique_ptr<BpeTokenizer> BpeTokenizer::from_hf_dir(const std::string& dir) {
  const fs::path d(dir);
  const fs::path tok_json = d / "tokenizer.json", cfg_json = d / "tokenizer_config.json";
  const json cfg = fs::exists(cfg_json) ? parse_json(cfg_json.string()) : json::object();
  std::unique_ptr<BpeTokenizer> t;
  std::optional<bool> add_bos, add_eos;
  std::vector<BpeAddedToken> added;
  if (fs::exists(tok_json)) {
    const std::string origin = tok_json.string();
    const json j = parse_json(origin);
    const json& model = j.contains("model") ? j["model"] : json();
    if (!model.is_object() || model.value("type", "BPE") != "BPE") throw ModelError(origin + ": model is not BPE");
    if (!j.contains("pre_tokenizer")) throw ModelError(origin + ": no pre_tokenizer");
    BpeOptions o = bpe_options_for(pre_from_json(j["pre_tokenizer"], origin));
    o.nfc = j.contains("normalizer") && has_nfc(j["normalizer"]);
    o.ignore_merges = model.value("ignore_merges", false);
    std::vector<std::pair<std::string, std::string>> merges;
    if (model.contains("merges")) {
      for (const auto& m : model["merges"]) {
        if (m.is_string()) merges.push_back(split_merge(m.get<std::string>(), origin, merges.size()));
        else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string())
          merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
        else throw ModelError(origin + ": merge " + std::to_string(merges.size()) + " is neither 'A B' nor [A, B]");
      }
    }
    if (j.contains("added_tokens") && j["added_tokens"].is_array()) {
      for (const auto& a : j["added_tokens"]) {
        if (!a.contains("id") || !a["id"].is_number_integer() || !a.contains("content") || !a["content"].is_string())
          throw ModelError(origin + ": added token without id or content");
        added.push_back({a["id"].get<int32_t>(), a["content"].get<std::string>(), a.value("special", true)});
      }
    }
    // TemplateProcessing whose single sequence starts with a special token: BOS is added (Llama 3, R1-Distill);
    // one that ends with a special token: EOS is added.
    if (j.contains("post_processor") && j["post_processor"].is_object()) {
      const json& pp = j["post_processor"];
      std::vector<json> procs;
      if (pp.value("type", "") == "Sequence" && pp.contains("processors")) {
        for (const auto& p : pp["processors"]) procs.push_back(p);
      } else {
        procs.push_back(pp);
      }
      for (const auto& p : procs) {
        if (p.value("type", "") != "TemplateProcessing" || !p.contains("single") || !p["single"].is_array() ||
            p["single"].empty())
          continue;
        add_bos = p["single"].front().contains("SpecialToken");
        add_eos = p["single"].size() > 1 && p["single"].back().contains("SpecialToken");
      }
    }
    t = from_parts(origin, o, vocab_from_json(model.value("vocab", json::object()), origin), merges, added);
  } else {
    const std::string vocab = (d / "vocab.json").string(), merges = (d / "merges.txt").string();
    if (!fs::exists(vocab) || !fs::exists(merges))
      throw ModelError(dir + ": no tokenizer.json, and no vocab.json + merges.txt");
    const std::string cls = cfg.value("tokenizer_class", "");
    BpeOptions o = bpe_options_for(cls.starts_with("Qwen2") ? BpePreTokenizer::Qwen2 : BpePreTokenizer::Gpt2);
    if (cfg.contains("added_tokens_decoder") && cfg["added_tokens_decoder"].is_object()) {
      for (const auto& [id, a] : cfg["added_tokens_decoder"].items()) {
        int32_t i = -1;
        try {
          i = std::stoi(id);
        } catch (const std::exception&) {
          throw ModelError(cfg_json.string() + ": added token id '" + id + "' is not a number");
        }
        if (!a.contains("content") || !a["content"].is_string()) throw ModelError(cfg_json.string() + ": added token without content");
        added.push_back({i, a["content"].get<std::string>(), a.value("special", true)});
      }
    }
    t = from_hf_files(vocab, merges, added, o);
  }
  if (cfg.contains("add_bos_token") && cfg["add_bos_token"].is_boolean()) add_bos = cfg["add_bos_token"].get<bool>();
  if (cfg.contains("add_eos_token") && cfg["add_eos_token"].is_boolean()) add_eos = cfg["add_eos_token"].get<bool>();
  if (const std::string bos = config_token(cfg, "bos_token"); !bos.empty()) t->options_.bos_id = t->find_token(bos);
  if (const std::string eos = config_token(cfg, "eos_token"); !eos.empty()) t->options_.eos_id = t->find_token(eos);
  t->options_.add_bos = add_bos.value_or(false) && t->options_.bos_id >= 0;
  t->options_.add_eos = add_eos.value_or(false) && t->options_.eos_id >= 0;
  return t;
}

std::unique_ptr<BpeTokenizer> BpeTokenizer::from_tiktoken(const std::string& path, const std::vector<std::string>& specials,
                                                          const BpeOptions& options) {
  std::unique_ptr<BpeTokenizer> t(new BpeTokenizer(path, options));
  std::istringstream in(read_file(path));
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t sp = line.find(' ');
    if (sp == std::string::npos) throw ModelError(path + ": line " + std::to_string(line_no) + " is not 'base64 rank'");
    int64_t rank = -1;
    try {
      rank = std::stoll(line.substr(sp + 1));
    } catch (const std::exception&) {
    }
    if (rank != static_cast<int64_t>(t->tokens_.size()))
      throw ModelError(path + ": line " + std::to_string(line_no) + ": ranks must be 0, 1, 2, ... in order");
    if (rank >= kMaxTokens) throw ModelError(path + ": too many tokens");
    std::string bytes = base64_decode(std::string_view(line).substr(0, sp), path, line_no);
    if (bytes.empty()) throw ModelError(path + ": line " + std::to_string(line_no) + " is an empty token");
    t->tokens_.push_back(unicode::bytes_to_mapped(bytes));
    t->bytes_.push_back(std::move(bytes));
    t->kinds_.push_back(Kind::Normal);
  }
  // Every split of a token into two tokens is a merge ranked by the whole token (tiktoken's rule).
  std::unordered_map<std::string_view, int32_t> by_bytes;
  by_bytes.reserve(t->bytes_.size());
  for (size_t i = 0; i < t->bytes_.size(); ++i) by_bytes.emplace(t->bytes_[i], static_cast<int32_t>(i));
  for (size_t i = 0; i < t->bytes_.size(); ++i) {
    const std::string_view b = t->bytes_[i];
    for (size_t k = 1; k < b.size(); ++k) {
      const auto l = by_bytes.find(b.substr(0, k)), r = by_bytes.find(b.substr(k));
      if (l != by_bytes.end() && r != by_bytes.end())
        t->merges_.try_emplace(pair_key(l->second, r->second), Merge{static_cast<int32_t>(i), static_cast<int32_t>(i)});
    }
  }
  std::vector<BpeAddedToken> added;
  for (size_t k = 0; k < specials.size(); ++k) added.push_back({static_cast<int32_t>(t->tokens_.size() + k), specials[k], true});
  t->add_added_tokens(added);
  t->finish();
  return t;
}

}  // namespace hogwild
