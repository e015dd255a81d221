// Step boundaries, prefixes, the collaboration cadence and answer extraction (hogwild-method.md §8.2-§8.8).
#include "hogwild/step_rules.h"

#include <algorithm>

namespace hogwild {

namespace {

// Sentence-final marks of §8.2, UTF-8 encoded. UTF-8 is self-synchronising, so a byte-wise "ends with" on a
// whole character is exact: no multi-byte mark can match the tail of a different character.
constexpr std::string_view kSentenceMarks[] = {".", "?", "!", "。", "۔", "؟", "।", "॥", "…",
                                               "‽", "།", "᠃", "։", "჻", "¶", "❧"};

// Fences that open a block in which a paragraph break must not end a step (§8.2, newer formatting).
constexpr std::string_view kBlockFences[] = {"```", "~~~", "$$"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view strip(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

size_t count_non_overlapping(std::string_view text, std::string_view needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string_view::npos; pos = text.find(needle, pos + needle.size()))
    ++n;
  return n;
}

constexpr std::string_view kBoxedOpen = "\\boxed{";

// Python's float() grammar after stripping: digits may be grouped by single underscores ("1_000").
bool digits_with_underscores(std::string_view s, size_t& i) {
  const size_t start = i;
  while (i < s.size()) {
    if (s[i] >= '0' && s[i] <= '9') {
      ++i;
    } else if (s[i] == '_' && i > start && i + 1 < s.size() && s[i - 1] != '_' && s[i + 1] >= '0' && s[i + 1] <= '9') {
      ++i;
    } else {
      break;
    }
  }
  return i > start;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) == y;
         });
}

bool is_answer(std::string_view content, AnswerRule rule) {
  return rule == AnswerRule::Number ? is_number_answer(content) : !strip(content).empty();
}

// Rightmost valid \boxed{...} of `text` (rules of extract_boxed_answer); returns the stripped content and the
// index of its closing brace.
std::optional<std::pair<std::string, size_t>> find_boxed(std::string_view text, AnswerRule rule) {
  size_t search_end = text.size();
  while (search_end > 0) {
    const size_t open = text.rfind(kBoxedOpen, search_end - 1);
    if (open == std::string_view::npos) break;
    const size_t body = open + kBoxedOpen.size();
    const size_t close = text.find('}', body);
    if (close != std::string_view::npos) {
      const std::string_view content = text.substr(body, close - body);
      if (is_answer(content, rule)) return std::make_pair(std::string(strip(content)), close);
    }
    search_end = open;  // missing brace or no answer: try the next "\boxed{" to the left
  }
  return std::nullopt;
}

}  // namespace

bool ends_with_sentence_mark(std::string_view text) {
  const std::string_view t = strip(text);
  return std::any_of(std::begin(kSentenceMarks), std::end(kSentenceMarks),
                     [&](std::string_view m) { return t.size() >= m.size() && t.substr(t.size() - m.size()) == m; });
}

bool code_block_open(std::string_view text) {
  return std::any_of(std::begin(kBlockFences), std::end(kBlockFences),
                     [&](std::string_view f) { return count_non_overlapping(text, f) % 2 == 1; });
}

bool is_number_answer(std::string_view text) {
  const std::string_view s = strip(text);
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const std::string_view word = s.substr(i);
  if (equals_ignoring_case(word, "inf") || equals_ignoring_case(word, "infinity") || equals_ignoring_case(word, "nan"))
    return true;
  const bool int_part = digits_with_underscores(s, i);
  bool frac_part = false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    frac_part = digits_with_underscores(s, i);
  }
  if (!int_part && !frac_part) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits_with_underscores(s, i)) return false;
  }
  return i == s.size();
}

bool ends_step(StepEndRule rule, std::string_view before, std::string_view token, bool token_contains_separator,
               std::string_view separator, bool fences) {
  if (rule == StepEndRule::Token && !token_contains_separator) return false;
  return ends_step(before, token, separator, fences);
}

bool ends_step(std::string_view before, std::string_view token, std::string_view separator, bool fences) {
  if (separator.empty() || token.empty()) return false;
  // Cheap rejection for the common case: the completed occurrence ends inside the token, so the token contains
  // the separator's last byte. Most tokens are words and stop here.
  if (token.find(separator.back()) == std::string_view::npos) return false;
  // Only the last (separator.size() - 1) bytes of `before` can belong to an occurrence that ends in the token.
  const size_t keep = std::min(before.size(), separator.size() - 1);
  std::string tail(before.substr(before.size() - keep));
  tail.append(token);
  const size_t occ = tail.rfind(separator);
  if (occ == std::string::npos) return false;
  // Any occurrence found in `tail` ends at index >= separator.size() - 1 >= keep, i.e. inside the token.
  // The step text up to the occurrence: all of `before` except what `tail` re-reads, plus the tail's head.
  std::string step_text(before.substr(0, before.size() - keep));
  step_text.append(tail, 0, occ);
  return ends_with_sentence_mark(step_text) && !(fences && code_block_open(step_text));
}

std::string substitute(std::string_view text, const std::vector<std::pair<std::string_view, std::string>>& vars) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool replaced = false;
    if (text[i] == '{') {
      for (const auto& [key, value] : vars) {
        const size_t n = key.size();
        if (i + n + 2 <= text.size() && text.compare(i + 1, n, key) == 0 && text[i + n + 1] == '}') {
          out += value;
          i += n + 2;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

std::string format_step_prefix(std::string_view tmpl, std::string_view name, int step) {
  return substitute(tmpl, {{"name", std::string(name)}, {"step", std::to_string(step)}});
}

std::string render_names(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " and " : ", ";
    out += names[i];
  }
  return out;
}

bool CollabCounter::ask_at_step_start() {
  if (interval_ == 0 || count_ <= interval_) return false;  // strictly greater (§8.5)
  count_ = 0;
  return true;
}

std::optional<std::string> extract_boxed_answer(std::string_view text, AnswerRule rule) {
  auto found = find_boxed(text, rule);
  if (!found) return std::nullopt;
  return std::move(found->first);
}

std::optional<std::string> finisher_answer(std::string_view finisher_text, std::string_view generated, AnswerRule rule) {
  std::string text(finisher_text);
  text.append(generated);
  auto found = find_boxed(text, rule);
  if (!found || found->second < finisher_text.size()) return std::nullopt;
  return std::move(found->first);
}

std::string assemble_response(std::string_view prompt, std::string_view history, std::string_view others_header,
                              const std::vector<std::string>& current_steps, std::string_view marker) {
  std::string out;
  out.append(prompt).append(history).append(others_header);
  for (const auto& step : current_steps) out.append(step).append(marker);
  return out;
}

}  // namespace hogwild
