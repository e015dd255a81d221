// Problem sets: the checkers (numeric, exact, boxed, regex, choice), the native JSONL reader, the importers
// (GSM8K, MATH/LIMO/AIME, CSV), bad lines (one clear error naming line and field; --skip-bad-lines), the seeded
// arithmetic generator and the shipped classroom set.
#include <set>

#include <gtest/gtest.h>

#include "common/error.h"
#include "fixtures.h"
#include "lab/arithmetic_generator.h"
#include "lab/csv.h"
#include "lab/problem_set.h"
#include "temp_dir.h"

using namespace hogwild;
using namespace hogwild::lab;

namespace {

AnswerCheck check(CheckKind k) {
  AnswerCheck c;
  c.kind = k;
  return c;
}

std::string error_of(const std::string& text, const std::string& source, LoadOptions o = {}) {
  try {
    parse_problem_set(text, source, o);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(LabChecks, ParseNumberReadsWhatPeopleWrite) {
  EXPECT_EQ(parse_number("42"), 42.0);
  EXPECT_EQ(parse_number("-3.5"), -3.5);
  EXPECT_EQ(parse_number("1,234"), 1234.0);
  EXPECT_EQ(parse_number("$1,000,000"), 1000000.0);
  EXPECT_EQ(parse_number("50%"), 50.0);
  EXPECT_EQ(parse_number("1/4"), 0.25);
  EXPECT_EQ(parse_number("\\frac{3}{4}"), 0.75);
  EXPECT_EQ(parse_number("\\dfrac34"), 0.75);
  EXPECT_EQ(parse_number("2.5e3"), 2500.0);
  EXPECT_EQ(parse_number("x = 7"), 7.0);
  EXPECT_EQ(parse_number("7 apples"), 7.0);
  EXPECT_EQ(parse_number("3 + 4 = 7"), 7.0);  // the last number counts
  EXPECT_EQ(parse_number("\\boxed{18}"), 18.0);
  EXPECT_EQ(parse_number("1, 2"), 2.0);        // a comma with a space is not a thousands separator
  EXPECT_FALSE(parse_number("seven"));
  EXPECT_FALSE(parse_number(""));
}

TEST(LabChecks, Numeric) {
  const AnswerCheck c = check(CheckKind::Numeric);
  EXPECT_TRUE(check_answer(c, "72", "72"));
  EXPECT_TRUE(check_answer(c, "72", " 72.0 "));
  EXPECT_TRUE(check_answer(c, "1234", "1,234 dollars"));
  EXPECT_TRUE(check_answer(c, "0.5", "\\frac{1}{2}"));
  EXPECT_FALSE(check_answer(c, "72", "71"));
  EXPECT_FALSE(check_answer(c, "72", ""));
  EXPECT_FALSE(check_answer(c, "72", "many"));
  AnswerCheck loose = c;
  loose.tolerance = 0.01;  // relative to max(1, |want|)
  EXPECT_TRUE(check_answer(loose, "100", "100.9"));
  EXPECT_FALSE(check_answer(loose, "100", "101.1"));
  EXPECT_TRUE(check_answer(loose, "0.1", "0.109"));  // |want| < 1: absolute 0.01
}

TEST(LabChecks, Exact) {
  const AnswerCheck c = check(CheckKind::Exact);
  EXPECT_TRUE(check_answer(c, "Paris", "paris"));
  EXPECT_TRUE(check_answer(c, "New  York", " new york. "));
  EXPECT_TRUE(check_answer(c, "blue", "$blue$"));
  EXPECT_TRUE(check_answer(c, "blue", "\\text{blue}"));
  EXPECT_FALSE(check_answer(c, "Paris", "Paris, France"));
  AnswerCheck cs = c;
  cs.case_sensitive = true;
  EXPECT_FALSE(check_answer(cs, "Paris", "paris"));
  EXPECT_TRUE(check_answer(cs, "Paris", "Paris"));
}

TEST(LabChecks, BoxedNormalisesLikeMath) {
  const AnswerCheck c = check(CheckKind::Boxed);
  EXPECT_EQ(normalize_math_answer("\\boxed{\\frac{1}{2}}"), "\\frac{1}{2}");
  EXPECT_EQ(normalize_math_answer("\\dfrac12"), "\\frac{1}{2}");
  EXPECT_EQ(normalize_math_answer("x = 5."), "5");
  EXPECT_EQ(normalize_math_answer("90^\\circ"), "90");
  EXPECT_EQ(normalize_math_answer("\\left( 1, 2 \\right)"), "(1,2)");
  EXPECT_EQ(normalize_math_answer("10\\%"), "10");
  EXPECT_EQ(normalize_math_answer("5\\text{ cm}"), "5cm");
  EXPECT_EQ(normalize_math_answer("0.50"), "0.5");
  EXPECT_TRUE(check_answer(c, "\\frac{1}{2}", "\\dfrac{1}{2}"));
  EXPECT_TRUE(check_answer(c, "\\boxed{\\frac{1}{2}}", "\\frac12"));
  EXPECT_TRUE(check_answer(c, "\\frac{1}{2}", "0.5"));  // both plain numbers: compared as values
  EXPECT_TRUE(check_answer(c, "(1, 2)", "\\left(1,2\\right)"));
  EXPECT_TRUE(check_answer(c, "33", "033"));
  EXPECT_FALSE(check_answer(c, "\\frac{1}{2}", "\\frac{1}{3}"));
  EXPECT_FALSE(check_answer(c, "x^2+1", "x^2-1"));
  EXPECT_EQ(last_boxed_content("so \\boxed{1} then \\boxed{\\frac{2}{3}} end"), "\\frac{2}{3}");
  EXPECT_FALSE(last_boxed_content("no box"));
}

TEST(LabChecks, Regex) {
  AnswerCheck c = check(CheckKind::Regex);
  EXPECT_TRUE(check_answer(c, "^(paris|lutetia)$", "Paris"));  // the answer is the pattern; icase by default
  EXPECT_FALSE(check_answer(c, "^(paris|lutetia)$", "Paris, France"));
  c.pattern = "\\b4[0-9]\\b";
  EXPECT_TRUE(check_answer(c, "forty-something", "about 42 of them"));
  EXPECT_FALSE(check_answer(c, "forty-something", "about 52"));
  EXPECT_EQ(check_problem(check(CheckKind::Regex), "(unclosed").value_or("").rfind("invalid regex", 0), 0u);
}

TEST(LabChecks, Choice) {
  const AnswerCheck c = check(CheckKind::Choice);
  EXPECT_TRUE(check_answer(c, "B", "B"));
  EXPECT_TRUE(check_answer(c, "B", "(b)"));
  EXPECT_TRUE(check_answer(c, "B", "B) 42"));
  EXPECT_TRUE(check_answer(c, "B", "answer: B"));
  EXPECT_FALSE(check_answer(c, "B", "C"));
  EXPECT_FALSE(check_answer(c, "B", "Because"));  // a word that merely starts with the label
  AnswerCheck yn = c;
  yn.choices = {"yes", "no"};
  EXPECT_TRUE(check_answer(yn, "yes", "Yes, it is."));
  EXPECT_FALSE(check_answer(yn, "yes", "no"));
  EXPECT_TRUE(check_problem(c, "F").has_value());  // F is not one of A-E
}

TEST(LabProblems, NativeJsonl) {
  const std::string text =
      "{\"id\": \"a\", \"question\": \"1+1?\", \"answer\": \"2\", \"check\": \"numeric\", \"tags\": [\"easy\"]}\n"
      "\n"
      "{\"id\": 7, \"question\": \"Capital of France?\", \"answer\": \"Paris\", \"check\": {\"kind\": \"exact\", \"case_sensitive\": true}}\n"
      "{\"id\": \"c\", \"question\": \"Pick\", \"answer\": \"b\", \"check\": {\"kind\": \"choice\", \"choices\": [\"a\", \"b\"]}}\n"
      "{\"id\": \"d\", \"question\": \"Half?\", \"answer\": 0.5}\n";
  const ProblemSet s = parse_problem_set(text, "set.jsonl");
  ASSERT_EQ(s.problems.size(), 4u);
  EXPECT_EQ(s.name, "set");
  EXPECT_EQ(s.problems[0].tags, std::vector<std::string>{"easy"});
  EXPECT_EQ(s.problems[1].id, "7");
  EXPECT_TRUE(s.problems[1].check.case_sensitive);
  EXPECT_EQ(s.problems[2].check.choices.size(), 2u);
  EXPECT_EQ(s.problems[3].check.kind, CheckKind::Numeric);  // no check: numeric for a number
  // Round trip through the writer.
  const ProblemSet back = parse_problem_set(problem_set_to_jsonl(s), "back.jsonl");
  ASSERT_EQ(back.problems.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(back.problems[i].id, s.problems[i].id);
    EXPECT_EQ(back.problems[i].answer, s.problems[i].answer);
    EXPECT_EQ(back.problems[i].check.kind, s.problems[i].check.kind);
    EXPECT_EQ(back.problems[i].check.case_sensitive, s.problems[i].check.case_sensitive);
    EXPECT_EQ(back.problems[i].check.choices, s.problems[i].check.choices);
  }
}

TEST(LabProblems, BadLinesNameLineAndField) {
  const std::string good = "{\"id\": \"a\", \"question\": \"q\", \"answer\": \"1\"}\n";
  EXPECT_EQ(error_of(good + "{\"id\": \"b\", \"question\": \"q\"}\n", "p.jsonl"),
            "p.jsonl: line 2: field \"answer\": missing (use --skip-bad-lines to leave bad lines out)");
  EXPECT_EQ(error_of(good + "{\"id\": \"b\", \"question\": \"q\", \"answer\": \"x\", \"check\": \"numeric\"}\n", "p.jsonl"),
            "p.jsonl: line 2: field \"answer\": \"x\" is not a number (check \"numeric\") (use --skip-bad-lines to leave bad lines out)");
  EXPECT_NE(error_of(good + "{\"id\": \"b\", \"question\": \"q\", \"answer\": \"1\", \"check\": \"fuzzy\"}\n", "p.jsonl").find("line 2: field \"check\": must be one of"), std::string::npos);
  EXPECT_NE(error_of(good + "{\"id\": \"a\", \"question\": \"q\", \"answer\": \"1\"}\n", "p.jsonl").find("line 2: field \"id\": \"a\" is used by an earlier problem"), std::string::npos);
  EXPECT_NE(error_of(good + "{\"id\": \"b\", \"question\": \"q\", \"answer\": \"1\", \"hint\": \"x\"}\n", "p.jsonl").find("line 2: field \"hint\": unknown field"), std::string::npos);
  EXPECT_NE(error_of(good + "{\"id\": \"b\", \"question\": \n", "p.jsonl").find("line 2: not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(good + "{\"id\": \"b\", \"question\": \"q\", \"answer\": \"1\", \"check\": {\"kind\": \"numeric\", \"tolerance\": -1}}\n", "p.jsonl")
                .find("line 2: field \"check.tolerance\""), std::string::npos);
  EXPECT_NE(error_of(good + "{\"id\": \"b\", \"question\": \"q\", \"answer\": \"(\", \"check\": \"regex\"}\n", "p.jsonl").find("line 2: field \"answer\": invalid regex"), std::string::npos);
  EXPECT_EQ(error_of("", "empty.jsonl"), "empty.jsonl: no problems (the file is empty)");

  // --skip-bad-lines: the bad lines are reported and left out; the good ones load.
  LoadOptions skip;
  skip.skip_bad_lines = true;
  const ProblemSet s = parse_problem_set(good + "{\"id\": \"b\"}\n{\"id\": \"c\", \"question\": \"q\", \"answer\": \"2\"}\n", "p.jsonl", skip);
  ASSERT_EQ(s.problems.size(), 2u);
  ASSERT_EQ(s.skipped.size(), 1u);
  EXPECT_EQ(s.skipped[0], "p.jsonl: line 2: field \"question\": missing");
  EXPECT_EQ(error_of("{\"id\": \"b\"}\n", "p.jsonl", skip), "p.jsonl: no problems left after skipping 1 bad lines");
}

TEST(LabProblems, Gsm8kImporter) {
  const std::string text =
      "{\"question\": \"Natalia sold clips to 48 of her friends...\", \"answer\": \"Natalia sold 48/2 = <<48/2=24>>24 clips in May.\\n#### 72\"}\n"
      "{\"question\": \"Big number?\", \"answer\": \"Reasoning.\\n#### 1,234\"}\n";
  const ProblemSet s = parse_problem_set(text, "test.jsonl");  // detected: "####" in the answer
  ASSERT_EQ(s.problems.size(), 2u);
  EXPECT_EQ(s.problems[0].id, "1");
  EXPECT_EQ(s.problems[0].answer, "72");
  EXPECT_EQ(s.problems[1].answer, "1234");
  EXPECT_EQ(s.problems[0].check.kind, CheckKind::Numeric);
  EXPECT_EQ(s.problems[0].tags, std::vector<std::string>{"gsm8k"});
  EXPECT_TRUE(check_answer(s.problems[1].check, s.problems[1].answer, "1,234"));
  LoadOptions o;
  o.format = ProblemFormat::Gsm8k;
  EXPECT_NE(error_of("{\"question\": \"q\", \"answer\": \"no marker\"}\n", "g.jsonl", o).find("line 1: field \"answer\": has no \"#### <number>\" line"), std::string::npos);
  EXPECT_NE(error_of("{\"answer\": \"#### 3\"}\n", "g.jsonl", o).find("line 1: field \"question\": missing"), std::string::npos);
}

TEST(LabProblems, MathLimoAimeImporter) {
  const std::string text =
      "{\"problem\": \"What is 1/2 + 1/4?\", \"solution\": \"Add: $\\\\frac12+\\\\frac14 = \\\\boxed{\\\\frac{3}{4}}$.\", \"level\": \"Level 1\", \"type\": \"Algebra\", \"unique_id\": \"test/algebra/1.json\"}\n"
      "{\"problem\": \"AIME: find n.\", \"answer\": \"033\", \"id\": 2025}\n"
      "{\"question\": \"LIMO style\", \"solution\": \"long...\", \"answer\": \"\\\\sqrt{2}\"}\n";
  const ProblemSet s = parse_problem_set(text, "math.jsonl");
  ASSERT_EQ(s.problems.size(), 3u);
  EXPECT_EQ(s.problems[0].id, "test/algebra/1.json");
  EXPECT_EQ(s.problems[0].answer, "\\frac{3}{4}");  // nested braces kept
  EXPECT_EQ(s.problems[0].check.kind, CheckKind::Boxed);
  EXPECT_EQ(s.problems[0].tags, (std::vector<std::string>{"Algebra", "Level 1"}));
  EXPECT_EQ(s.problems[1].id, "2025");
  EXPECT_TRUE(check_answer(s.problems[1].check, s.problems[1].answer, "33"));
  EXPECT_EQ(s.problems[2].answer, "\\sqrt{2}");
  EXPECT_NE(error_of("{\"problem\": \"p\", \"solution\": \"no box\"}\n", "m.jsonl").find("line 1: field \"solution\": has no \\boxed{} answer"), std::string::npos);

  // A JSON array, and a folder of one-problem files (the MATH layout).
  const ProblemSet arr = parse_problem_set("[{\"problem\": \"p1\", \"answer\": \"1\"}, {\"problem\": \"p2\"}]", "limo.json",
                                           LoadOptions{ProblemFormat::Auto, true, 0, {}, {}});
  EXPECT_EQ(arr.problems.size(), 1u);
  ASSERT_EQ(arr.skipped.size(), 1u);
  EXPECT_NE(arr.skipped[0].find("limo.json: item 2: field \"answer\": missing"), std::string::npos);
  test::TempDir dir("lab-math");
  std::filesystem::create_directories(dir.path() / "algebra");
  dir.write("algebra/1.json", "{\"problem\": \"x?\", \"solution\": \"\\\\boxed{5}\"}");
  dir.write("algebra/2.json", "{\"problem\": \"y?\", \"solution\": \"\\\\boxed{6}\"}");
  const ProblemSet folder = load_problem_set(dir.path());
  ASSERT_EQ(folder.problems.size(), 2u);
  EXPECT_EQ(folder.problems[0].id, "algebra/1");
  EXPECT_EQ(folder.problems[1].answer, "6");
}

TEST(LabProblems, CsvImporter) {
  const std::string text =
      "id,question,answer,check,tags\r\n"
      "q1,\"What is 6 × 7?\",42,,arith;easy\r\n"
      "q2,\"Name the colour of the sky, in one word\",blue,exact,\r\n"
      "q3,\"A \"\"quoted\"\" question\nover two lines\",7,numeric,\r\n";
  const ProblemSet s = parse_problem_set(text, "set.csv");
  ASSERT_EQ(s.problems.size(), 3u);
  EXPECT_EQ(s.problems[0].check.kind, CheckKind::Numeric);  // empty check: numeric for a number
  EXPECT_EQ(s.problems[0].tags, (std::vector<std::string>{"arith", "easy"}));
  EXPECT_EQ(s.problems[1].question, "Name the colour of the sky, in one word");
  EXPECT_EQ(s.problems[1].check.kind, CheckKind::Exact);
  EXPECT_EQ(s.problems[2].question, "A \"quoted\" question\nover two lines");
  // Other column names; a line number that counts the quoted line break.
  LoadOptions o;
  o.csv.question = "Problem";
  o.csv.answer = "Solution";
  EXPECT_EQ(parse_problem_set("Problem,Solution\nq,3\n", "x.csv", o).problems[0].id, "1");
  EXPECT_NE(error_of("question,answer\n\"a\nb\",1\nq,\n", "x.csv").find("x.csv: line 4: field \"answer\": is empty"), std::string::npos);
  EXPECT_NE(error_of("question,answer\nq,1,extra\n", "x.csv").find("x.csv: line 2: has 3 fields but the header has 2"), std::string::npos);
  EXPECT_NE(error_of("question,solution\nq,1\n", "x.csv").find("x.csv: line 1: the CSV header has no column \"answer\""), std::string::npos);
  EXPECT_NE(error_of("question,answer\n\"open,1\n", "x.csv").find("x.csv: line 2: a quoted field is not closed"), std::string::npos);
  EXPECT_NE(error_of("question,answer,check\nq,1,maybe\n", "x.csv").find("line 2: field \"check\": must be one of"), std::string::npos);
  // TSV by extension.
  EXPECT_EQ(parse_problem_set("question\tanswer\nq\t5\n", "x.tsv").problems[0].answer, "5");
}

TEST(LabProblems, CsvWriterQuotesWhatNeedsIt) {
  EXPECT_EQ(csv_line({"a", "b,c", "say \"hi\"", "two\nlines", " pad"}), "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",\" pad\"\n");
  const auto rows = parse_csv(csv_line({"a", "b,c", "say \"hi\"", "two\nlines"}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].cells, (std::vector<std::string>{"a", "b,c", "say \"hi\"", "two\nlines"}));
}

TEST(LabProblems, ArithmeticGeneratorIsSeededAndCorrect) {
  ArithmeticOptions o;
  o.count = 200;
  o.seed = 1;
  const ProblemSet a = generate_arithmetic(o), b = generate_arithmetic(o);
  ASSERT_EQ(a.problems.size(), 200u);
  EXPECT_EQ(problem_set_to_jsonl(a), problem_set_to_jsonl(b));
  o.seed = 2;
  EXPECT_NE(problem_set_to_jsonl(generate_arithmetic(o)), problem_set_to_jsonl(a));
  // Pinned: the generator's output must not drift between builds or platforms.
  EXPECT_EQ(a.problems[0].id, "arith-1-1");
  // Every answer re-derived independently from the text: start, then each sentence's operation.
  for (const Problem& p : a.problems) {
    const std::string& q = p.question;
    auto num_after = [&](size_t pos) { return std::stoll(q.substr(pos)); };
    size_t pos = q.find(" has ");
    ASSERT_NE(pos, std::string::npos) << q;
    long long amount = num_after(pos + 5);
    int steps = 0;
    for (size_t s = q.find(". ", pos); s != std::string::npos && q.compare(s + 2, 9, "How many ") != 0; s = q.find(". ", s + 2)) {
      const std::string sentence = q.substr(s + 2, q.find('.', s + 2) - s - 2);
      ++steps;
      if (sentence.find(" finds ") != std::string::npos) amount += std::stoll(sentence.substr(sentence.find(" finds ") + 7));
      else if (sentence.find(" gives ") != std::string::npos) amount -= std::stoll(sentence.substr(sentence.find(" gives ") + 7));
      else if (sentence.find(" buys ") != std::string::npos) {
        const long long g = std::stoll(sentence.substr(sentence.find(" buys ") + 6));
        const long long each = std::stoll(sentence.substr(sentence.find(" with ") + 6));
        amount += g * each;
      } else if (sentence.find(" shares them equally among ") != std::string::npos) {
        const long long parts = std::stoll(sentence.substr(sentence.find(" among ") + 7));
        ASSERT_EQ(amount % parts, 0) << q;
        amount /= parts;
      } else {
        FAIL() << "unknown sentence: " << sentence;
      }
      ASSERT_GE(amount, 0) << q;
    }
    EXPECT_EQ(std::to_string(amount), p.answer) << q;
    EXPECT_GE(steps, 2);
    EXPECT_LE(steps, 4);
    EXPECT_EQ(p.tags[1], "steps:" + std::to_string(steps));
  }
  o.count = 0;
  EXPECT_THROW(generate_arithmetic(o), ConfigError);
}

TEST(LabProblems, ShippedClassroomSetIsValidAndMixed) {
  const ProblemSet s = load_problem_set(test::source_dir() + "/resources/problems/classroom.jsonl");
  EXPECT_GE(s.problems.size(), 30u);
  EXPECT_TRUE(s.skipped.empty());
  std::set<CheckKind> kinds;
  for (const Problem& p : s.problems) {
    kinds.insert(p.check.kind);
    // The expected answer passes its own check (a problem nobody could get right is a broken problem).
    const std::string self = p.check.kind == CheckKind::Regex && p.check.pattern.empty() ? "" : p.answer;
    if (!self.empty()) EXPECT_TRUE(check_answer(p.check, p.answer, self)) << p.id;
  }
  EXPECT_EQ(kinds.size(), 5u) << "the classroom set should use every check kind";
}
