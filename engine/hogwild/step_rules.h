#pragma once
// Text-level rules of the Hogwild! generation loop (hogwild-method.md §8): where a step ends, how step prefixes and
// name lists are rendered, when the collaboration question is due, how the final response is assembled and how
// the \boxed{} answer is extracted. Pure functions on decoded text: no tokenizer, no model, no preset (the preset's
// step-mechanics choices are the enums below).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hogwild {

// Step mechanics (version 2; docs/PRESETS.md "Step mechanics"). The first value of each is the default (and the
// version-1 behaviour): this project's rule, or for CollabCountFrom the official one, which is also ours; the second
// is the other choice (the official reference code's, eqimp/hogwild_llm `main`, for the first, second and fourth).
// Where a step ends: `Text` when a sampled token completes the separator in the text; `Token` only when the
// sampled token's own text contains the whole separator (so "\n" "\n" as two tokens never ends a step).
enum class StepEndRule { Text, Token };
// When a finished step joins the common history: `NextPass` after the boundary token got its K/V in the next pass
// (§12b, every history step ends with its separator); `SamePass` at once, without the boundary token, which is
// fed as the first token of the next step instead (§8.4).
enum class StepMerge { NextPass, SamePass };
// What the collaboration counter counts: the inputs prepared after each pass, starting at 0 after the openers
// (§8.1/§8.5, the official code), or the openers' tokens too.
enum class CollabCountFrom { FirstSampled, Openers };
// Which \boxed{} content is an answer: any non-blank text, or only text that parses as a number.
enum class AnswerRule { Any, Number };

// §8.2, generalised to tokenizers that spell the separator with several tokens. True when appending `token_text`
// to `step_text_before` completes an occurrence of `separator` (the occurrence's last byte lies inside
// `token_text`; with several such occurrences the last one counts, as in the official "cut at the last \n\n") and
//   * the step text before that occurrence, stripped of whitespace, ends with a sentence-final mark
//     (. ? ! 。 ۔ ؟ । ॥ … ‽ ། ᠃ ։ ჻ ¶ ❧), so a separator after a comma or colon does not end the step, and
//   * with `fences`, no code or math block is open in that text (an odd number of ``` , ~~~ or $$, counted
//     non-overlapping; the official `main` code has no such check, its newer `inference_lib` code has).
// An empty separator never ends a step. This is the whole `StepEndRule::Text`; `StepEndRule::Token` also requires
// the sampled token's own text to contain the separator (token_contains_separator), and then the occurrence this
// function finds is the last one of the step, as the official rule cuts it.
bool ends_step(std::string_view step_text_before, std::string_view token_text, std::string_view separator,
               bool fences = true);

// The end-of-step test of either rule. `token_contains_separator`: the sampled token's own text (the token alone,
// not what it completes) contains the whole separator; only the `Token` rule reads it.
bool ends_step(StepEndRule rule, std::string_view step_text_before, std::string_view token_text,
               bool token_contains_separator, std::string_view separator, bool fences);

// The two conditions of ends_step on a finished piece of text, exposed for tests and for the UI's explanations.
bool ends_with_sentence_mark(std::string_view text);  // after stripping ASCII whitespace
bool code_block_open(std::string_view text);

// Replaces each "{key}" of `vars` in one left-to-right pass; substituted values are not scanned again and unknown
// braces (e.g. "\boxed{...}") are left alone, so prompt text may contain LaTeX freely.
std::string substitute(std::string_view text, const std::vector<std::pair<std::string_view, std::string>>& vars);

// "**{name} [{step}]:** " -> "**Alice [3]:** " (§8.3).
std::string format_step_prefix(std::string_view tmpl, std::string_view name, int step);

// "Alice", "Alice and Bob", "Alice, Bob and Charlie" (§9: the rule text adapts to the list).
std::string render_names(const std::vector<std::string>& names);

// §8.5 semantics, exactly: one global counter of input tokens, shared by all workers. The session, after each
// pass, walks the workers in ascending order; for a worker that starts a new step it first calls
// ask_at_step_start() — true iff the counter is strictly greater than the interval, in which case the question is
// appended to that worker's step prefix and the counter restarts at 0 — and then add_inputs() with the number of
// input tokens prepared for that worker (1 normally; separator token + prefix [+ question] at a step start).
// Interval 0 turns the question off (ask_at_step_start() is then always false).
class CollabCounter {
 public:
  explicit CollabCounter(int64_t interval) : interval_(interval < 0 ? 0 : interval) {}
  bool ask_at_step_start();
  void add_inputs(int64_t tokens) { count_ += tokens; }
  int64_t count() const { return count_; }
  int64_t interval() const { return interval_; }

 private:
  int64_t interval_;
  int64_t count_ = 0;
};

// §8.8: take the rightmost "\boxed{" and the first "}" after it (nested braces are not handled: "\boxed{\frac{1}{2}}"
// yields "\frac{1", as in the official code); if that "}" is missing or the content is no answer under `rule`
// (Any: blank; Number: not a number, see is_number_answer), try the next "\boxed{" to the left. Returns the content
// stripped of surrounding whitespace, or nullopt when none is valid.
std::optional<std::string> extract_boxed_answer(std::string_view text, AnswerRule rule = AnswerRule::Any);

// The official math answer test: the text parses as a number the way Python's float() parses it — surrounding
// whitespace, an optional sign, digits with an optional point and exponent ("3", "-2.5", " 1e3 ", ".5", "5."),
// single underscores between digits ("1_000"), or inf / infinity / nan in any case. "3/4", "x=2", "" are not.
bool is_number_answer(std::string_view text);

// The finisher's answer (§8.8): the finisher text usually ends with an open "\boxed{" that the greedy continuation
// `generated` closes. Returns the answer of finisher_text + generated only if its closing "}" lies in `generated`
// (so a complete example inside the finisher text is never taken for an answer); the session stops the finisher as
// soon as this has a value.
std::optional<std::string> finisher_answer(std::string_view finisher_text, std::string_view generated,
                                           AnswerRule rule = AnswerRule::Any);

// §8.8 response assembly: prompt + history + others_header + for each worker, in worker order, its current step
// followed by `marker` (the preset's marker already carries the separator: "<...>\n\n").
std::string assemble_response(std::string_view prompt, std::string_view history, std::string_view others_header,
                              const std::vector<std::string>& current_steps, std::string_view marker);

}  // namespace hogwild
