#include "tokenizer/bpe_pre_tokenizer.h"

#include "tokenizer/bpe_unicode.h"

namespace hogwild {

namespace {

using unicode::is_letter;
using unicode::is_number;
using unicode::is_whitespace;

bool is_other(uint32_t cp) { return !is_whitespace(cp) && !is_letter(cp) && !is_number(cp); }  // [^\s\p{L}\p{N}]
bool is_crlf(uint32_t cp) { return cp == '\r' || cp == '\n'; }

uint32_t lower_ascii(uint32_t cp) { return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp; }

// Length of a contraction 's|'t|'re|'ve|'m|'ll|'d at i (case-insensitive when ci), or 0.
size_t contraction(const std::vector<uint32_t>& s, size_t i, bool ci) {
  if (s[i] != '\'' || i + 1 >= s.size()) return 0;
  auto at = [&](size_t k) -> uint32_t { return k < s.size() ? (ci ? lower_ascii(s[k]) : s[k]) : 0; };
  const uint32_t a = at(i + 1), b = at(i + 2);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// `\s+(?!\S)|\s+` at i (s[i] is whitespace): the whitespace run, less its last character when a non-space
// follows and the run is longer than one (the lookahead backtracks by one so that the next piece gets it).
size_t whitespace_run(const std::vector<uint32_t>& s, size_t i) {
  size_t e = i;
  while (e < s.size() && is_whitespace(s[e])) ++e;
  if (e < s.size() && e - i > 1) --e;
  return e - i;
}

// GPT-2 regex over s[begin, end).
void split_gpt2(const std::vector<uint32_t>& s, size_t begin, size_t end, std::vector<PieceRange>& out) {
  // The regex never looks past `end` (the digit pieces of Starcoder are separate inputs to it).
  const std::vector<uint32_t>* src = &s;
  std::vector<uint32_t> sub;
  if (begin != 0 || end != s.size()) {
    sub.assign(s.begin() + static_cast<std::ptrdiff_t>(begin), s.begin() + static_cast<std::ptrdiff_t>(end));
    src = &sub;
  }
  const std::vector<uint32_t>& t = *src;
  size_t i = 0;
  while (i < t.size()) {
    size_t len = contraction(t, i, /*ci=*/false);
    if (len == 0) {
      const size_t j = (t[i] == ' ' && i + 1 < t.size()) ? i + 1 : i;  // optional leading space
      const uint32_t c = t[j];
      auto run = [&](bool (*pred)(uint32_t)) {
        size_t e = j;
        while (e < t.size() && pred(t[e])) ++e;
        return e - i;
      };
      if (j != i || !is_whitespace(c)) {
        if (is_letter(c)) len = run(is_letter);
        else if (is_number(c)) len = run(is_number);
        else if (is_other(c)) len = run(is_other);
      }
      if (len == 0) len = whitespace_run(t, i);  // t[i] is whitespace here
      if (len == 0) len = 1;                      // unreachable: every character is in one class
    }
    out.emplace_back(begin + i, begin + i + len);
    i += len;
  }
}

// Llama 3 (max_digits 3) and Qwen2 (max_digits 1) regex.
void split_llama3(const std::vector<uint32_t>& t, size_t max_digits, std::vector<PieceRange>& out) {
  size_t i = 0;
  const size_t n = t.size();
  while (i < n) {
    const uint32_t c = t[i];
    size_t len = contraction(t, i, /*ci=*/true);
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (len == 0) {
      size_t j = i;
      if (!is_crlf(c) && !is_letter(c) && !is_number(c) && i + 1 < n && is_letter(t[i + 1])) j = i + 1;
      if (is_letter(t[j])) {
        size_t e = j;
        while (e < n && is_letter(t[e])) ++e;
        len = e - i;
      }
    }
    // \p{N}{1,max}
    if (len == 0 && is_number(c)) {
      size_t e = i;
      while (e < n && e - i < max_digits && is_number(t[e])) ++e;
      len = e - i;
    }
    //  ?[^\s\p{L}\p{N}]+[\r\n]*
    if (len == 0) {
      const size_t j = (c == ' ' && i + 1 < n && is_other(t[i + 1])) ? i + 1 : i;
      if (is_other(t[j])) {
        size_t e = j;
        while (e < n && is_other(t[e])) ++e;
        while (e < n && is_crlf(t[e])) ++e;
        len = e - i;
      }
    }
    // \s*[\r\n]+ : up to and including the last CR/LF of the whitespace run
    if (len == 0 && is_whitespace(c)) {
      size_t e = i, last_crlf = 0;
      bool found = false;
      while (e < n && is_whitespace(t[e])) {
        if (is_crlf(t[e])) {
          last_crlf = e;
          found = true;
        }
        ++e;
      }
      if (found) len = last_crlf + 1 - i;
      else len = whitespace_run(t, i);  // \s+(?!\S)|\s+
    }
    if (len == 0) len = 1;  // unreachable
    out.emplace_back(i, i + len);
    i += len;
  }
}

}  // namespace

std::optional<BpePreTokenizer> bpe_pre_tokenizer_from_name(std::string_view name) {
  if (name == "gpt-2" || name == "gpt2") return BpePreTokenizer::Gpt2;
  if (name == "starcoder" || name == "smollm") return BpePreTokenizer::Starcoder;
  if (name == "llama-bpe" || name == "llama3" || name == "llama-v3") return BpePreTokenizer::Llama3;
  if (name == "qwen2" || name == "deepseek-r1-qwen" || name == "qwen") return BpePreTokenizer::Qwen2;
  return std::nullopt;
}

std::string_view to_string(BpePreTokenizer p) {
  switch (p) {
    case BpePreTokenizer::Gpt2: return "gpt-2";
    case BpePreTokenizer::Starcoder: return "starcoder";
    case BpePreTokenizer::Llama3: return "llama-bpe";
    case BpePreTokenizer::Qwen2: return "qwen2";
  }
  return "?";
}

std::vector<PieceRange> pre_tokenize(BpePreTokenizer p, const std::vector<uint32_t>& cps) {
  std::vector<PieceRange> out;
  switch (p) {
    case BpePreTokenizer::Gpt2: split_gpt2(cps, 0, cps.size(), out); break;
    case BpePreTokenizer::Starcoder: {
      size_t seg = 0;
      for (size_t i = 0; i < cps.size(); ++i) {
        if (!is_number(cps[i])) continue;
        if (seg < i) split_gpt2(cps, seg, i, out);
        out.emplace_back(i, i + 1);
        seg = i + 1;
      }
      if (seg < cps.size()) split_gpt2(cps, seg, cps.size(), out);
      break;
    }
    case BpePreTokenizer::Llama3: split_llama3(cps, 3, out); break;
    case BpePreTokenizer::Qwen2: split_llama3(cps, 1, out); break;
  }
  return out;
}

}  // namespace hogwild
