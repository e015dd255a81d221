// End-of-step rule (§8.2), prefixes and name lists, the collaboration cadence (§8.5), response assembly, answer
// extraction and the finisher (§8.8).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hogwild/step_rules.h"

using namespace hogwild;

namespace {
const std::string kSep = "\n\n";
}

TEST(EndsStep, SeparatorInOneTokenAfterPeriod) {
  EXPECT_TRUE(ends_step("**Alice [1]:** We add the numbers", ".\n\n", kSep));
  EXPECT_TRUE(ends_step("**Alice [1]:** We add the numbers.", "\n\n", kSep));
  EXPECT_TRUE(ends_step("It works.", "\n\n\n", kSep));  // extra newline still inside the boundary token
  EXPECT_TRUE(ends_step("It works.  ", " \n\n", kSep));  // whitespace before the break is stripped
}

TEST(EndsStep, SeparatorSpreadOverSeveralTokens) {
  std::string text = "**Bob [2]:** So x is 4";
  EXPECT_FALSE(ends_step(text, ".", kSep));
  text += ".";
  EXPECT_FALSE(ends_step(text, "\n", kSep));  // half a separator: not yet
  text += "\n";
  EXPECT_TRUE(ends_step(text, "\n", kSep));   // this token completes "\n\n"
  // A multi-byte custom separator cut inside the marker itself.
  EXPECT_FALSE(ends_step("Done.<b", "r", "<br>"));
  EXPECT_TRUE(ends_step("Done.<b", "r>", "<br>"));
}

TEST(EndsStep, NotAfterCommaColonOrPlainWord) {
  EXPECT_FALSE(ends_step("First, we note that x = 2,", "\n\n", kSep));
  EXPECT_FALSE(ends_step("The plan is as follows:", "\n\n", kSep));
  EXPECT_FALSE(ends_step("Let me think", "\n\n", kSep));
  EXPECT_FALSE(ends_step("**Alice [2]:** ", "\n\n", kSep));  // a bare prefix is not a sentence
  EXPECT_FALSE(ends_step("", "\n\n", kSep));
  EXPECT_FALSE(ends_step("Done.", "word", kSep));  // no separator at all
  EXPECT_FALSE(ends_step("Done.", "\n", kSep));
  EXPECT_FALSE(ends_step("Done.", "", kSep));
  EXPECT_FALSE(ends_step("Done.", "\n\n", ""));    // an empty separator never ends a step
}

TEST(EndsStep, OccurrenceMustEndInsideTheToken) {
  // The separator is already in the text (it followed a comma); a word token completes nothing new.
  EXPECT_FALSE(ends_step("Note, \n\nso it holds.", " Then", kSep));
  // Here the token's leading "\n" extends "\n\n" already present: the last occurrence ends inside the token and
  // the text before it ("Done.\n") ends a sentence.
  EXPECT_TRUE(ends_step("Done.\n\n", "\nNext", kSep));
  // Of several occurrences the last counts (the official "cut at the last \n\n").
  EXPECT_FALSE(ends_step("Done", ".\n\nand,\n\n", kSep));
  EXPECT_TRUE(ends_step("Hmm,", "\n\nok.\n\n", kSep));
}

TEST(EndsStep, OtherSentenceMarks) {
  EXPECT_TRUE(ends_step("Is x even?", "\n\n", kSep));
  EXPECT_TRUE(ends_step("Is x even", "?\n\n", kSep));
  EXPECT_TRUE(ends_step("我们完成了", "。\n\n", kSep));
  EXPECT_TRUE(ends_step("Let me think…", "\n\n", kSep));
  EXPECT_TRUE(ends_step("Wow!", "\n\n", kSep));
  for (const char* mark : {".", "?", "!", "。", "۔", "؟", "।", "॥", "…", "‽", "།", "᠃", "։", "჻", "¶", "❧"})
    EXPECT_TRUE(ends_with_sentence_mark(std::string("text") + mark + " \n")) << mark;
  EXPECT_FALSE(ends_with_sentence_mark("text,"));
  EXPECT_FALSE(ends_with_sentence_mark("text;"));
  EXPECT_FALSE(ends_with_sentence_mark("   "));
  // Only whole UTF-8 characters match: "。" is E3 80 82, a different character ending in 82 must not count.
  EXPECT_FALSE(ends_with_sentence_mark("\xE3\x81\x82"));  // あ
}

TEST(EndsStep, NotInsideCodeOrMathBlocks) {
  const std::string open_code = "Let me check it.\n```python\nprint(1).";
  EXPECT_TRUE(code_block_open(open_code));
  EXPECT_FALSE(ends_step(open_code, "\n\n", kSep));
  const std::string closed_code = open_code + "\n```\nThat prints 1.";
  EXPECT_FALSE(code_block_open(closed_code));
  EXPECT_TRUE(ends_step(closed_code, "\n\n", kSep));

  EXPECT_FALSE(ends_step("We get $$x = 1.", "\n\n", kSep));
  EXPECT_TRUE(ends_step("We get $$x = 1$$ as claimed.", "\n\n", kSep));
  EXPECT_FALSE(ends_step("~~~\nls.", "\n\n", kSep));
  EXPECT_TRUE(ends_step("~~~\nls\n~~~\nListed.", "\n\n", kSep));
  // Non-overlapping counts: "````" is one fence (open), "``````" two (closed).
  EXPECT_TRUE(code_block_open("````"));
  EXPECT_FALSE(code_block_open("``````"));
  EXPECT_TRUE(code_block_open("$$$"));  // "$$" once, then a lone "$"
}

TEST(EndsStep, CustomNewlineSeparator) {
  const std::string nl = "\n";
  EXPECT_TRUE(ends_step("Alice: Lily smiled at the sun.", "\n", nl));
  EXPECT_TRUE(ends_step("Alice: Lily smiled at the sun", ".\n", nl));
  EXPECT_FALSE(ends_step("Alice: Lily said,", "\n", nl));
  EXPECT_FALSE(ends_step("Alice: Lily said.", " the", nl));
}

TEST(StepText, PrefixesNamesAndSubstitution) {
  EXPECT_EQ(format_step_prefix("**{name} [{step}]:** ", "Alice", 1), "**Alice [1]:** ");
  EXPECT_EQ(format_step_prefix("**{name} [{step}]:** ", "Bob", 12), "**Bob [12]:** ");
  EXPECT_EQ(format_step_prefix("", "Bob", 3), "");
  EXPECT_EQ(render_names({}), "");
  EXPECT_EQ(render_names({"Alice"}), "Alice");
  EXPECT_EQ(render_names({"Alice", "Bob"}), "Alice and Bob");
  EXPECT_EQ(render_names({"Alice", "Bob", "Charlie"}), "Alice, Bob and Charlie");
  EXPECT_EQ(render_names({"Alice", "Bob", "Charlie", "Doris"}), "Alice, Bob, Charlie and Doris");
  // LaTeX braces and unknown placeholders survive; substituted values are not expanded again.
  EXPECT_EQ(substitute("{names}: \\boxed{x} {other} {", {{"names", "A and B"}}), "A and B: \\boxed{x} {other} {");
  EXPECT_EQ(format_step_prefix("{name}/{step}", "{step}", 2), "{step}/2");
}

// §8.5 simulated over 13 passes with 2 workers, interval 10, step prefix = 3 tokens, question = 5 tokens, the
// boundary token fed again at the step start (+1). Worker 0 ends steps at passes 4 and 9, worker 1 at 6, 7, 12.
// Hand-computed counter after each worker (w0, w1):
//   p0 1,2  p1 3,4  p2 5,6  p3 7,8
//   p4 w0 ends: 8 > 10? no  -> 8+4=12; w1 13          p5 14,15
//   p6 w0 16; w1 ends: 16 > 10 -> ASK, reset, 0+9=9
//   p7 w0 10; w1 ends: 10 > 10? no (strict) -> 14     p8 15,16
//   p9 w0 ends: 16 > 10 -> ASK, 0+9=9; w1 10          p10 11,12  p11 13,14
//   p12 w0 15; w1 ends: 15 > 10 -> ASK, 9
TEST(CollabCounter, CadenceMatchesHandComputation) {
  const int kPrefix = 3, kQuestion = 5;
  const std::vector<std::vector<int>> ends = {{4, 9}, {6, 7, 12}};
  CollabCounter counter(10);
  std::vector<std::pair<int, int>> asked;  // (pass, worker)
  std::vector<int64_t> after_pass;
  for (int pass = 0; pass <= 12; ++pass) {
    for (int w = 0; w < 2; ++w) {
      const bool step_end = std::find(ends[w].begin(), ends[w].end(), pass) != ends[w].end();
      int inputs = 1;
      if (step_end) {
        inputs += kPrefix;
        if (counter.ask_at_step_start()) {
          asked.emplace_back(pass, w);
          inputs += kQuestion;
        }
      }
      counter.add_inputs(inputs);
    }
    after_pass.push_back(counter.count());
  }
  const std::vector<std::pair<int, int>> expected_asked = {{6, 1}, {9, 0}, {12, 1}};
  EXPECT_EQ(asked, expected_asked);
  const std::vector<int64_t> expected_counts = {2, 4, 6, 8, 13, 15, 9, 14, 16, 10, 12, 14, 9};
  EXPECT_EQ(after_pass, expected_counts);
}

TEST(CollabCounter, IntervalZeroIsOff) {
  CollabCounter counter(0);
  counter.add_inputs(100000);
  EXPECT_FALSE(counter.ask_at_step_start());
  EXPECT_EQ(counter.count(), 100000);
}

TEST(BoxedAnswer, Extraction) {
  EXPECT_EQ(extract_boxed_answer("so the answer is \\boxed{42}."), "42");
  EXPECT_EQ(extract_boxed_answer("\\boxed{1} first, then \\boxed{2} finally"), "2");  // rightmost wins
  EXPECT_EQ(extract_boxed_answer("\\boxed{1} and then \\boxed{2"), "1");  // missing brace: next to the left
  EXPECT_EQ(extract_boxed_answer("\\boxed{ 7 }"), "7");
  EXPECT_EQ(extract_boxed_answer("\\boxed{3} \\boxed{  }"), "3");  // blank content is not an answer
  // Nested braces are not handled (§8.8): the first "}" closes.
  EXPECT_EQ(extract_boxed_answer("\\boxed{\\frac{1}{2}}"), "\\frac{1");
  EXPECT_EQ(extract_boxed_answer("no answer here"), std::nullopt);
  EXPECT_EQ(extract_boxed_answer("\\boxed{"), std::nullopt);
  EXPECT_EQ(extract_boxed_answer(""), std::nullopt);
  EXPECT_EQ(extract_boxed_answer("\\boxed{5, 7, 9, 11, 13}"), "5, 7, 9, 11, 13");
}

TEST(Response, AssemblyOrderAndMarkers) {
  const std::string r = assemble_response("PROMPT\n### Past steps\n\n", "**Alice [1]:** Hi.\n\n",
                                          "### Work in progress (others)\n\n",
                                          {"**Alice [2]:** x = 3", "**Bob [2]:** Checking"}, "<...>\n\n");
  EXPECT_EQ(r,
            "PROMPT\n### Past steps\n\n**Alice [1]:** Hi.\n\n### Work in progress (others)\n\n"
            "**Alice [2]:** x = 3<...>\n\n**Bob [2]:** Checking<...>\n\n");
  EXPECT_EQ(assemble_response("task", "", "", {"a", "b"}, ""), "taskab");  // raw preset
}

TEST(Finisher, AnswerComesFromTheContinuation) {
  const std::string fin =
      "\n\nWait, given the limited time, I have to give an answer right now. Considering all my previous attempts, "
      "I have to conclude that the final answer is \\boxed{";
  EXPECT_EQ(finisher_answer(fin, "42}"), "42");
  EXPECT_EQ(finisher_answer(fin, "42} because"), "42");
  EXPECT_EQ(finisher_answer(fin, "4"), std::nullopt);  // not closed yet: keep decoding
  EXPECT_EQ(finisher_answer(fin, ""), std::nullopt);
  EXPECT_EQ(finisher_answer(fin, "x = 5}. Also \\boxed{"), "x = 5");
  // A complete example inside the finisher text is never taken for the answer.
  EXPECT_EQ(finisher_answer("e.g. \\boxed{1}. Answer: ", "2"), std::nullopt);
  // End to end: no answer in the response, so the finisher is appended and decoded.
  const std::string response = assemble_response("P", "**Alice [1]:** Try 3.\n\n", "H", {"**Bob [2]:** So"}, "<...>");
  ASSERT_EQ(extract_boxed_answer(response), std::nullopt);
  EXPECT_EQ(extract_boxed_answer(response + fin + "17}"), "17");
}

// ---- Step mechanics of preset version 2 (docs/PRESETS.md "Step mechanics").

TEST(EndsStep, TokenRuleNeedsTheWholeSeparatorInTheSampledToken) {
  // "\n" "\n" as two tokens: the text rule ends the step at the second one; the token rule never does, because
  // neither token's own text holds "\n\n" (SmolLM2 writes paragraphs like this).
  const std::string text = "**Alice [1]:** Hi, I'm Alice.\n";
  EXPECT_TRUE(ends_step(StepEndRule::Text, text, "\n", /*token_contains_separator=*/false, kSep, true));
  EXPECT_FALSE(ends_step(StepEndRule::Token, text, "\n", false, kSep, true));
  // One "\n\n" (or ".\n\n") token: both rules end the step.
  EXPECT_TRUE(ends_step(StepEndRule::Token, "Hi, I'm Alice.", "\n\n", true, kSep, true));
  EXPECT_TRUE(ends_step(StepEndRule::Token, "Hi, I'm Alice", ".\n\n", true, kSep, true));
  // The token rule keeps the sentence test of the text before the last separator.
  EXPECT_FALSE(ends_step(StepEndRule::Token, "First, x = 2,", "\n\n", true, kSep, true));
  EXPECT_FALSE(ends_step(StepEndRule::Token, "Let me think", "\n\n", true, kSep, true));
  // The official rule cuts the decoded step at its LAST separator: a "\n\n\n" token after a sentence ends it.
  EXPECT_TRUE(ends_step(StepEndRule::Token, "Done.", "\n\n\n", true, kSep, true));
}

TEST(EndsStep, FencesCanBeSwitchedOff) {
  // The official main code ends a step inside an open code block; the newer code (and our default) does not.
  const std::string open_code = "Let me check it.\n```python\nprint(1).";
  EXPECT_FALSE(ends_step(open_code, "\n\n", kSep, /*fences=*/true));
  EXPECT_TRUE(ends_step(open_code, "\n\n", kSep, /*fences=*/false));
  EXPECT_TRUE(ends_step(StepEndRule::Token, "We get $$x = 1.", "\n\n", true, kSep, false));
  EXPECT_FALSE(ends_step(StepEndRule::Token, "We get $$x = 1.", "\n\n", true, kSep, true));
}

TEST(BoxedAnswer, NumberRuleIsPythonFloat) {
  // Accepted by Python's float() (the official math answer test) ...
  for (const char* s : {"42", "-3", "+2.5", " 7 ", ".5", "5.", "1e3", "1E-3", "2.5e+2", "1_000", "1_0.2_5", "inf",
                        "-Infinity", "NaN", "\t12\n"})
    EXPECT_TRUE(is_number_answer(s)) << s;
  // ... and rejected by it.
  for (const char* s : {"", " ", "3/4", "x=2", "1,000", "1__0", "_1", "1_", "1e", "e5", ".", "-", "12a", "infinit",
                        "\\frac{1", "5, 7", "0x10", "1 2"})
    EXPECT_FALSE(is_number_answer(s)) << s;
  // The answer rule picks the rightmost \boxed{} whose content is a number; text answers are skipped.
  const std::string t = "\\boxed{12} then \\boxed{x = 3} and \\boxed{ 4.5 } and \\boxed{n}";
  EXPECT_EQ(extract_boxed_answer(t, AnswerRule::Any), "n");
  EXPECT_EQ(extract_boxed_answer(t, AnswerRule::Number), "4.5");
  EXPECT_EQ(extract_boxed_answer("\\boxed{\\frac{1}{2}}", AnswerRule::Number), std::nullopt);
  EXPECT_EQ(finisher_answer("is \\boxed{", "four}", AnswerRule::Number), std::nullopt);
  EXPECT_EQ(finisher_answer("is \\boxed{", "4}", AnswerRule::Number), "4");
}
