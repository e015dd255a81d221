#pragma once
// How a problem's expected answer is compared with the answer a run produced (docs/LAB.md, "Checkers").
// The produced answer is what the session extracted: the content of the rightmost \boxed{} or what the finisher
// wrote into its open \boxed{. Every checker is a pure function of two strings and the problem's check settings.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hogwild::lab {

enum class CheckKind { Numeric, Exact, Boxed, Regex, Choice };

std::string_view to_string(CheckKind k);
std::optional<CheckKind> check_kind_from_string(std::string_view s);

struct AnswerCheck {
  CheckKind kind = CheckKind::Numeric;
  double tolerance = 1e-6;           // numeric: |got - want| <= tolerance * max(1, |want|)
  bool case_sensitive = false;       // exact, regex, choice
  std::string pattern;               // regex: ECMAScript, searched in the produced answer
  std::vector<std::string> choices;  // choice: the labels ("A".."E" when empty)
};

// Parses a number the way people and models write it: "42", "-3.5", "1,234", "$1,000", "50%", "1/4",
// "\frac{3}{4}", "\dfrac34", "2.5e3", "x = 7", "7 apples" (the LAST number in the text counts).
std::optional<double> parse_number(std::string_view text);

// MATH-style normalisation for `boxed`: the content of an outer \boxed{} (nested braces handled), without
// spaces, $, \left/\right, \!, \, \; \text{}/\mbox{} wrappers, ^\circ, \%, a trailing period, a "x=" prefix;
// dfrac/tfrac -> frac, \frac12 -> \frac{1}{2}.
std::string normalize_math_answer(std::string_view text);

// The content of the rightmost \boxed{...} (or \fbox{...}) with nested braces counted ("\boxed{\frac{1}{2}}" gives
// "\frac{1}{2}"), or nullopt when there is none with a closing brace.
std::optional<std::string> last_boxed_content(std::string_view text);

// "exact": trimmed, inner whitespace collapsed, a trailing period and surrounding $…$ / \text{…} removed;
// lower-cased unless case_sensitive.
std::string normalize_exact(std::string_view text, bool case_sensitive);

// "choice": the label the produced answer names ("B", "(b)", "B) 42", "answer: B"), or nullopt.
std::optional<std::string> extract_choice(std::string_view text, const std::vector<std::string>& labels, bool case_sensitive);
const std::vector<std::string>& default_choice_labels();  // A B C D E

// True when `produced` counts as the expected answer. An empty produced answer is never correct.
bool check_answer(const AnswerCheck& check, std::string_view expected, std::string_view produced);

// Validates a check against its expected answer (used when a problem set is read): nullopt when fine, else the
// reason ("is not a number", "is not one of the choices A, B, C, D", "invalid regex: …").
std::optional<std::string> check_problem(const AnswerCheck& check, std::string_view expected);

}  // namespace hogwild::lab
