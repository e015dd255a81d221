#include "tokenizer/bpe_tokenizer.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <queue>

#include "common/error.h"
#include "common/log.h"
#include "model/model.h"
#include "tokenizer/bpe_unicode.h"

namespace hogwild {

BpeOptions bpe_options_for(BpePreTokenizer pre) {
  BpeOptions o;
  o.pre = pre;
  o.nfc = pre == BpePreTokenizer::Qwen2;
  o.ignore_merges = pre == BpePreTokenizer::Llama3;
  return o;
}

std::vector<std::string> llama3_special_tokens() {
  std::vector<std::string> s = {"<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                                "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|step_id|>",
                                "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>",
                                "<|python_tag|>", "<|image|>"};
  for (int i = 2; s.size() < 256; ++i) s.push_back("<|reserved_special_token_" + std::to_string(i) + "|>");
  return s;
}

BpeTokenizer::BpeTokenizer(std::string origin, BpeOptions options) : origin_(std::move(origin)), options_(std::move(options)) {
  std::fill(std::begin(byte_ids_), std::end(byte_ids_), -1);
}

BpeTokenizer::~BpeTokenizer() = default;

std::unique_ptr<BpeTokenizer> BpeTokenizer::from_vocab(const VocabData& v, const std::string& origin) {
  auto pre = bpe_pre_tokenizer_from_name(v.pre);
  if (!pre) {
    logger("tokenizer")->warn("{}: unknown BPE pre-tokenizer '{}'; using the GPT-2 regex", origin, v.pre);
    pre = BpePreTokenizer::Gpt2;
  }
  BpeOptions o = bpe_options_for(*pre);
  o.add_bos = v.add_bos.value_or(false);
  o.add_eos = v.add_eos.value_or(false);
  o.bos_id = v.bos_id;
  o.eos_id = v.eos_id;
  o.extra_stop_ids = v.extra_stop_ids;
  std::unique_ptr<BpeTokenizer> t(new BpeTokenizer(origin, o));
  const size_t n = v.tokens.size();
  if (!v.token_types.empty() && v.token_types.size() != n)
    throw ModelError(origin + ": token types and tokens differ in number");
  t->tokens_ = v.tokens;
  t->kinds_.resize(n, Kind::Normal);
  t->bytes_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const auto type = v.token_types.empty() ? TokenType::Normal : static_cast<TokenType>(v.token_types[i]);
    switch (type) {
      case TokenType::Control: t->kinds_[i] = Kind::Control; break;
      case TokenType::UserDefined: t->kinds_[i] = Kind::UserDefined; break;
      case TokenType::Unused: t->kinds_[i] = Kind::Unused; break;
      default: t->kinds_[i] = Kind::Normal; break;  // Normal, Undefined, Unknown, Byte: byte-mapped text
    }
    t->bytes_[i] = t->kinds_[i] == Kind::Normal ? unicode::mapped_to_bytes(v.tokens[i]) : v.tokens[i];
  }
  // Merges "A B" in rank order; A and B are byte-mapped token texts and so is their concatenation.
  std::unordered_map<std::string_view, int32_t> by_text;
  by_text.reserve(n);
  for (size_t i = 0; i < n; ++i) by_text.emplace(v.tokens[i], static_cast<int32_t>(i));
  t->merges_.reserve(v.merges.size());
  for (size_t r = 0; r < v.merges.size(); ++r) {
    const std::string& m = v.merges[r];
    const size_t sp = m.find(' ', 1);  // a merge part is never empty; a part may not contain ' ' (it is mapped)
    if (sp == std::string::npos) throw ModelError(origin + ": merge " + std::to_string(r) + " '" + m + "' is not 'A B'");
    const std::string a = m.substr(0, sp), b = m.substr(sp + 1);
    const auto ia = by_text.find(a), ib = by_text.find(b), ir = by_text.find(a + b);
    if (ia == by_text.end() || ib == by_text.end() || ir == by_text.end())
      throw ModelError(origin + ": merge " + std::to_string(r) + " '" + m + "' names a token that is not in the vocabulary");
    t->merges_.try_emplace(pair_key(ia->second, ib->second), Merge{static_cast<int32_t>(r), ir->second});
  }
  t->finish();
  return t;
}

void BpeTokenizer::finish() {
  by_bytes_.clear();
  added_.clear();
  by_bytes_.reserve(tokens_.size());
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const auto id = static_cast<int32_t>(i);
    if (kinds_[i] == Kind::Normal) {
      // Duplicates exist in some real vocabularies; the first id wins, as in HF (vocab maps text -> one id).
      by_bytes_.try_emplace(bytes_[i], id);
    } else if ((kinds_[i] == Kind::Control || kinds_[i] == Kind::UserDefined) && !bytes_[i].empty()) {
      added_.try_emplace(bytes_[i], id);
    }
  }
  for (int b = 0; b < 256; ++b) {
    const auto it = by_bytes_.find(std::string(1, static_cast<char>(b)));
    byte_ids_[b] = it == by_bytes_.end() ? -1 : it->second;
  }
  // Byte-level BPE must be able to spell every byte; a vocabulary missing some would silently drop text.
  // (0xC0, 0xC1 and 0xF5..0xFF never occur in UTF-8 text, so vocabularies may omit them.)
  int missing = 0, missing_utf8 = 0;
  for (int b = 0; b < 256; ++b) {
    missing += byte_ids_[b] < 0;
    missing_utf8 += byte_ids_[b] < 0 && b != 0xC0 && b != 0xC1 && b < 0xF5;
  }
  if (missing == 256) throw ModelError(origin_ + ": byte-level BPE vocabulary has no single-byte tokens");
  if (missing_utf8 > 0) {
    // Real vocabularies do this (SmolLM2 lacks 8): a fact about the file, not a problem of the run. Said once per
    // vocabulary and process, at debug level (issue #20: it was a warning on every run).
    static std::mutex said_mutex;
    static std::set<std::string> said;
    const std::lock_guard lock(said_mutex);
    if (said.insert(origin_ + "/" + std::to_string(missing_utf8)).second)
      logger("tokenizer")->debug("{}: {} byte tokens that UTF-8 text can contain are missing; such bytes are skipped", origin_, missing_utf8);
  }
  added_by_first_.assign(256, {});
  for (const auto& [text, id] : added_) added_by_first_[static_cast<uint8_t>(text[0])].push_back(id);
  for (auto& ids : added_by_first_) {
    std::sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) {
      const auto la = bytes_[static_cast<size_t>(a)].size(), lb = bytes_[static_cast<size_t>(b)].size();
      return la != lb ? la > lb : a < b;
    });
  }
  for (int32_t id : {options_.bos_id, options_.eos_id}) {
    if (id >= static_cast<int32_t>(tokens_.size())) throw ModelError(origin_ + ": special token id " + std::to_string(id) + " is outside the vocabulary");
  }
}

void BpeTokenizer::add_added_tokens(const std::vector<BpeAddedToken>& added) {
  for (const BpeAddedToken& a : added) {
    if (a.id < 0 || a.id > (1 << 24)) throw ModelError(origin_ + ": added token '" + a.text + "' has invalid id " + std::to_string(a.id));
    const auto id = static_cast<size_t>(a.id);
    if (id >= tokens_.size()) {
      const size_t old = tokens_.size();
      tokens_.resize(id + 1);
      bytes_.resize(id + 1);
      kinds_.resize(id + 1, Kind::Unused);
      for (size_t i = old; i < id; ++i) tokens_[i] = "[PAD" + std::to_string(i) + "]";
    }
    tokens_[id] = a.text;
    bytes_[id] = a.text;
    kinds_[id] = a.special ? Kind::Control : Kind::UserDefined;
  }
}

void BpeTokenizer::pad_vocab_to(int n) {
  while (static_cast<int>(tokens_.size()) < n) {
    tokens_.push_back("[PAD" + std::to_string(tokens_.size()) + "]");
    bytes_.emplace_back();
    kinds_.push_back(Kind::Unused);
  }
}

std::vector<int32_t> BpeTokenizer::bpe(std::string_view bytes) const {
  std::vector<int32_t> out;
  if (bytes.empty()) return out;
  if (options_.ignore_merges) {
    if (const auto it = by_bytes_.find(std::string(bytes)); it != by_bytes_.end()) return {it->second};
  }
  // Symbols as a linked list over the piece's bytes; candidate merges in a min-heap by (rank, position), so ties
  // go to the leftmost pair as in HF. A popped candidate is stale when either side has changed since.
  const int n = static_cast<int>(bytes.size());
  std::vector<int32_t> id(static_cast<size_t>(n));
  std::vector<int> prev(static_cast<size_t>(n)), next(static_cast<size_t>(n));
  int count = 0;
  for (int i = 0; i < n; ++i) {
    const int32_t b = byte_ids_[static_cast<uint8_t>(bytes[static_cast<size_t>(i)])];
    if (b < 0) continue;  // warned about at load time
    id[static_cast<size_t>(count)] = b;
    ++count;
  }
  for (int i = 0; i < count; ++i) {
    prev[static_cast<size_t>(i)] = i - 1;
    next[static_cast<size_t>(i)] = i + 1 < count ? i + 1 : -1;
  }
  struct Candidate {
    int32_t rank;
    int pos;
    int32_t left, right;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto consider = [&](int pos) {
    if (pos < 0) return;
    const int nx = next[static_cast<size_t>(pos)];
    if (nx < 0) return;
    const auto it = merges_.find(pair_key(id[static_cast<size_t>(pos)], id[static_cast<size_t>(nx)]));
    if (it != merges_.end()) heap.push({it->second.rank, pos, id[static_cast<size_t>(pos)], id[static_cast<size_t>(nx)]});
  };
  for (int i = 0; i + 1 < count; ++i) consider(i);
  std::vector<bool> dead(static_cast<size_t>(count), false);
  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    const auto p = static_cast<size_t>(c.pos);
    if (dead[p] || id[p] != c.left) continue;
    const int nx = next[p];
    if (nx < 0 || id[static_cast<size_t>(nx)] != c.right) continue;
    id[p] = merges_.at(pair_key(c.left, c.right)).result;
    dead[static_cast<size_t>(nx)] = true;
    next[p] = next[static_cast<size_t>(nx)];
    if (next[p] >= 0) prev[static_cast<size_t>(next[p])] = c.pos;
    consider(prev[p]);
    consider(c.pos);
  }
  for (int i = 0; i >= 0 && i < count; i = next[static_cast<size_t>(i)]) out.push_back(id[static_cast<size_t>(i)]);
  return out;
}

void BpeTokenizer::encode_text(std::string_view text, std::vector<int32_t>& ids) const {
  if (text.empty()) return;
  const std::string normalized = options_.nfc ? unicode::nfc(text) : std::string(text);
  const std::vector<uint32_t> cps = unicode::decode_utf8(normalized);
  std::string piece;
  for (const auto& [b, e] : pre_tokenize(options_.pre, cps)) {
    piece.clear();
    for (size_t i = b; i < e; ++i) unicode::append_utf8(cps[i], piece);
    const auto part = bpe(piece);
    ids.insert(ids.end(), part.begin(), part.end());
  }
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text, bool add_bos) const {
  std::vector<int32_t> ids;
  if (add_bos && options_.bos_id >= 0) ids.push_back(options_.bos_id);
  // Added tokens first: at each position the longest added token that starts there wins (leftmost-longest).
  size_t run = 0;
  for (size_t i = 0; i < text.size();) {
    const auto& candidates = added_by_first_[static_cast<uint8_t>(text[i])];
    int32_t hit = -1;
    for (int32_t c : candidates) {
      if (text.substr(i).starts_with(bytes_[static_cast<size_t>(c)])) {
        hit = c;
        break;
      }
    }
    if (hit < 0) {
      ++i;
      continue;
    }
    encode_text(text.substr(run, i - run), ids);
    ids.push_back(hit);
    i += bytes_[static_cast<size_t>(hit)].size();
    run = i;
  }
  encode_text(text.substr(run), ids);
  return ids;
}

void BpeTokenizer::check_id(int32_t id) const {
  if (id < 0 || id >= static_cast<int32_t>(tokens_.size()))
    throw Error(origin_ + ": token id " + std::to_string(id) + " is outside the vocabulary (" + std::to_string(tokens_.size()) + " tokens)");
}

std::string BpeTokenizer::piece(int32_t id) const {
  check_id(id);
  return tokens_[static_cast<size_t>(id)];
}

bool BpeTokenizer::is_control(int32_t id) const {
  check_id(id);
  const Kind k = kinds_[static_cast<size_t>(id)];
  return k == Kind::Control || k == Kind::Unused;
}

int32_t BpeTokenizer::find_token(std::string_view text) const {
  if (const auto it = added_.find(std::string(text)); it != added_.end()) return it->second;
  if (const auto it = by_bytes_.find(std::string(text)); it != by_bytes_.end()) return it->second;
  return -1;
}

void BpeTokenizer::decode_token(int32_t id, DecodeState& state, std::string& out) const {
  check_id(id);
  const auto i = static_cast<size_t>(id);
  state.at_sequence_start = false;
  if (kinds_[i] == Kind::Control || kinds_[i] == Kind::Unused) return;
  const size_t before = out.size();
  state.bytes.push(bytes_[i], out);
  if (out.size() != before) state.emitted = true;
}

std::vector<int32_t> BpeTokenizer::stop_ids() const {
  // llama.cpp's end-of-generation set: EOS, EOT/EOM from the file, and the turn-end tokens of known templates.
  std::vector<int32_t> ids;
  auto add = [&](int32_t id) {
    if (id >= 0 && id < vocab_size() && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  add(options_.eos_id);
  for (int32_t id : options_.extra_stop_ids) add(id);
  for (const char* t : {"<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|endoftext|>", "<|end|>",
                        "<end_of_turn>", "<｜end▁of▁sentence｜>", "<|EOT|>"}) {
    if (const auto it = added_.find(t); it != added_.end()) add(it->second);
  }
  return ids;
}

}  // namespace hogwild
