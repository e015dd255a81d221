#include "lab/answer_check.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <regex>

namespace hogwild::lab {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && is_space(s[a])) ++a;
  while (b > a && is_space(s[b - 1])) --b;
  return std::string(s.substr(a, b - a));
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
}

// The content of the brace group opening at s[open] == '{' (nested braces counted), and the index after it.
std::optional<std::pair<std::string, size_t>> brace_group(std::string_view s, size_t open) {
  if (open >= s.size() || s[open] != '{') return std::nullopt;
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '{') ++depth;
    else if (s[i] == '}' && --depth == 0) return std::make_pair(std::string(s.substr(open + 1, i - open - 1)), i + 1);
  }
  return std::nullopt;
}

// Replaces every `cmd{x}` by `x` (e.g. \text{cm} -> cm).
void unwrap_command(std::string& s, std::string_view cmd) {
  for (size_t pos = 0; (pos = s.find(cmd, pos)) != std::string::npos;) {
    const auto g = brace_group(s, pos + cmd.size());
    if (!g) {
      pos += cmd.size();
      continue;
    }
    s.replace(pos, g->second - pos, g->first);
  }
}

std::optional<std::string> boxed_content(std::string_view text) {
  for (std::string_view cmd : {"\\boxed", "\\fbox"}) {
    const size_t pos = text.rfind(cmd);
    if (pos == std::string_view::npos) continue;
    size_t open = pos + cmd.size();
    while (open < text.size() && text[open] == ' ') ++open;
    if (auto g = brace_group(text, open)) return g->first;
  }
  return std::nullopt;
}

// The content of the rightmost \boxed{...} (or \fbox{...}) with nested braces, or the text itself.
std::string unbox(std::string_view text) { return boxed_content(text).value_or(std::string(text)); }

// \frac12 -> \frac{1}{2}, \frac1{2} -> \frac{1}{2}, \frac{1}2 -> \frac{1}{2}.
void brace_frac_arguments(std::string& s) {
  for (size_t pos = 0; (pos = s.find("\\frac", pos)) != std::string::npos; pos += 5) {
    size_t i = pos + 5;
    std::string out = "\\frac";
    for (int arg = 0; arg < 2; ++arg) {
      if (i < s.size() && s[i] == '{') {
        const auto g = brace_group(s, i);
        if (!g) return;
        out += "{" + g->first + "}";
        i = g->second;
      } else if (i < s.size()) {
        out += std::string("{") + s[i] + "}";
        ++i;
      } else {
        return;
      }
    }
    s.replace(pos, i - pos, out);
  }
}

std::optional<double> to_double(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

std::string_view to_string(CheckKind k) {
  switch (k) {
    case CheckKind::Numeric: return "numeric";
    case CheckKind::Exact: return "exact";
    case CheckKind::Boxed: return "boxed";
    case CheckKind::Regex: return "regex";
    case CheckKind::Choice: return "choice";
  }
  return "numeric";
}

std::optional<CheckKind> check_kind_from_string(std::string_view s) {
  for (CheckKind k : {CheckKind::Numeric, CheckKind::Exact, CheckKind::Boxed, CheckKind::Regex, CheckKind::Choice})
    if (to_string(k) == s) return k;
  return std::nullopt;
}

std::optional<std::string> last_boxed_content(std::string_view text) { return boxed_content(text); }

const std::vector<std::string>& default_choice_labels() {
  static const std::vector<std::string> labels = {"A", "B", "C", "D", "E"};
  return labels;
}

std::optional<double> parse_number(std::string_view text) {
  std::string s = unbox(text);
  // LaTeX fractions first: \frac{a}{b} with numeric a, b (the last one in the text wins, like plain numbers).
  replace_all(s, "\\dfrac", "\\frac");
  replace_all(s, "\\tfrac", "\\frac");
  brace_frac_arguments(s);
  for (std::string_view junk : {"\\$", "$", "\\!", "\\,", "\\;", "\\%", "%", "{,}", "\\left", "\\right"}) replace_all(s, junk, "");
  std::optional<double> last;
  size_t i = 0;
  while (i < s.size()) {
    if (s.compare(i, 5, "\\frac") == 0) {
      const auto a = brace_group(s, i + 5);
      const auto b = a ? brace_group(s, a->second) : std::nullopt;
      if (a && b) {
        const auto na = parse_number(a->first), nb = parse_number(b->first);
        if (na && nb && *nb != 0) {
          last = *na / *nb;
        }
        i = b->second;
        continue;
      }
    }
    const bool sign = (s[i] == '-' || s[i] == '+') && i + 1 < s.size() && (is_digit(s[i + 1]) || s[i + 1] == '.');
    if (!is_digit(s[i]) && !sign && !(s[i] == '.' && i + 1 < s.size() && is_digit(s[i + 1]))) {
      ++i;
      continue;
    }
    // A number: digits with thousands separators ("1,234,567"), a decimal part, an exponent.
    std::string num;
    if (sign) num += s[i++];
    while (i < s.size()) {
      if (is_digit(s[i])) {
        num += s[i++];
      } else if (s[i] == ',' && i + 3 < s.size() && is_digit(s[i + 1]) && is_digit(s[i + 2]) && is_digit(s[i + 3]) &&
                 (i + 4 >= s.size() || !is_digit(s[i + 4]))) {
        ++i;  // thousands separator
      } else {
        break;
      }
    }
    if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
      num += s[i++];
      while (i < s.size() && is_digit(s[i])) num += s[i++];
    }
    if (i + 1 < s.size() && (s[i] == 'e' || s[i] == 'E') &&
        (is_digit(s[i + 1]) || ((s[i + 1] == '-' || s[i + 1] == '+') && i + 2 < s.size() && is_digit(s[i + 2])))) {
      num += s[i++];
      if (s[i] == '-' || s[i] == '+') num += s[i++];
      while (i < s.size() && is_digit(s[i])) num += s[i++];
    }
    auto v = to_double(num);
    if (!v) continue;
    // "a/b" right after the number: a plain fraction.
    if (i + 1 < s.size() && s[i] == '/' && (is_digit(s[i + 1]) || s[i + 1] == '-')) {
      size_t j = i + 1;
      std::string den;
      if (s[j] == '-') den += s[j++];
      while (j < s.size() && (is_digit(s[j]) || s[j] == '.')) den += s[j++];
      if (auto d = to_double(den); d && *d != 0) {
        v = *v / *d;
        i = j;
      }
    }
    last = v;
  }
  return last;
}

std::string normalize_math_answer(std::string_view text) {
  std::string s = unbox(text);
  unwrap_command(s, "\\text");
  unwrap_command(s, "\\textbf");
  unwrap_command(s, "\\mathrm");
  unwrap_command(s, "\\mbox");
  for (std::string_view junk : {"\\left", "\\right", "\\!", "\\,", "\\;", "\\:", "\\quad", "^\\circ", "^{\\circ}", "\\%",
                                "%", "\\$", "$", "\\displaystyle"})
    replace_all(s, junk, "");
  replace_all(s, "\\dfrac", "\\frac");
  replace_all(s, "\\tfrac", "\\frac");
  std::string out;
  for (char c : s)
    if (!is_space(c)) out += c;
  brace_frac_arguments(out);
  while (!out.empty() && out.back() == '.') out.pop_back();
  // "x=5" -> "5" (a single-letter variable on the left).
  if (out.size() > 2 && std::isalpha(static_cast<unsigned char>(out[0])) && out[1] == '=') out = out.substr(2);
  // "0.50" and ".5" -> "0.5": plain decimals compare as numbers below anyway; strip trailing zeros here.
  if (auto v = to_double(out); v && out.find('.') != std::string::npos && out.find_first_of("eE") == std::string::npos) {
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.pop_back();
    if (!out.empty() && out[0] == '.') out.insert(0, 1, '0');
  }
  return out;
}

std::string normalize_exact(std::string_view text, bool case_sensitive) {
  std::string s = trim(text);
  if (s.size() >= 2 && s.front() == '$' && s.back() == '$') s = trim(std::string_view(s).substr(1, s.size() - 2));
  if (s.rfind("\\text{", 0) == 0) {
    if (auto g = brace_group(s, 5); g && g->second == s.size()) s = trim(g->first);
  }
  while (!s.empty() && s.back() == '.') s.pop_back();
  std::string out;
  bool space = false;
  for (char c : trim(s)) {
    if (is_space(c)) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return case_sensitive ? out : lower(out);
}

std::optional<std::string> extract_choice(std::string_view text, const std::vector<std::string>& labels, bool case_sensitive) {
  const std::vector<std::string>& ls = labels.empty() ? default_choice_labels() : labels;
  auto same = [&](const std::string& a, const std::string& b) { return case_sensitive ? a == b : lower(a) == lower(b); };
  // Words of the answer: runs of letters/digits; the first word equal to a label counts ("(B) 42" -> B).
  const std::string s = trim(unbox(text));
  for (const auto& l : ls)
    if (same(s, l)) return l;
  std::string word;
  for (size_t i = 0; i <= s.size(); ++i) {
    const char c = i < s.size() ? s[i] : ' ';
    if (std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80) {
      word += c;
      continue;
    }
    if (!word.empty()) {
      for (const auto& l : ls)
        if (same(word, l)) return l;
      word.clear();
    }
  }
  return std::nullopt;
}

bool check_answer(const AnswerCheck& check, std::string_view expected, std::string_view produced) {
  if (trim(produced).empty()) return false;
  switch (check.kind) {
    case CheckKind::Numeric: {
      const auto want = parse_number(expected), got = parse_number(produced);
      if (!want || !got) return false;
      return std::fabs(*got - *want) <= check.tolerance * std::max(1.0, std::fabs(*want));
    }
    case CheckKind::Exact:
      return normalize_exact(produced, check.case_sensitive) == normalize_exact(expected, check.case_sensitive);
    case CheckKind::Boxed: {
      const std::string a = normalize_math_answer(produced), b = normalize_math_answer(expected);
      if (a == b) return true;
      // Both plain numbers (or LaTeX fractions of numbers): compare the values.
      const auto x = parse_number(a), y = parse_number(b);
      const auto plain = [](const std::string& t) {
        return !t.empty() && t.find_first_not_of("0123456789.-+/eE{}\\frac") == std::string::npos;
      };
      return x && y && plain(a) && plain(b) && std::fabs(*x - *y) <= check.tolerance * std::max(1.0, std::fabs(*y));
    }
    case CheckKind::Regex: {
      try {
        auto flags = std::regex::ECMAScript;
        if (!check.case_sensitive) flags |= std::regex::icase;
        const std::regex re(check.pattern.empty() ? std::string(expected) : check.pattern, flags);
        return std::regex_search(std::string(produced), re);
      } catch (const std::regex_error&) {
        return false;
      }
    }
    case CheckKind::Choice: {
      const auto got = extract_choice(produced, check.choices, check.case_sensitive);
      const auto want = extract_choice(expected, check.choices, check.case_sensitive);
      return got && want && *got == *want;
    }
  }
  return false;
}

std::optional<std::string> check_problem(const AnswerCheck& check, std::string_view expected) {
  if (trim(expected).empty() && !(check.kind == CheckKind::Regex && !check.pattern.empty())) return "is empty";
  switch (check.kind) {
    case CheckKind::Numeric:
      if (!parse_number(expected)) return "\"" + std::string(expected) + "\" is not a number (check \"numeric\")";
      if (!(check.tolerance >= 0) || !std::isfinite(check.tolerance)) return "the tolerance must be a non-negative number";
      return std::nullopt;
    case CheckKind::Exact:
    case CheckKind::Boxed:
      if (normalize_math_answer(expected).empty()) return "is empty after normalisation";
      return std::nullopt;
    case CheckKind::Regex:
      try {
        std::regex re(check.pattern.empty() ? std::string(expected) : check.pattern);
      } catch (const std::regex_error& e) {
        return std::string("invalid regex: ") + e.what();
      }
      return std::nullopt;
    case CheckKind::Choice: {
      if (!extract_choice(expected, check.choices, check.case_sensitive)) {
        std::string all;
        for (const auto& l : check.choices.empty() ? default_choice_labels() : check.choices) all += (all.empty() ? "" : ", ") + l;
        return "\"" + std::string(expected) + "\" is not one of the choices " + all;
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace hogwild::lab
