#pragma once
// Problem sets (docs/LAB.md, "Problem sets"): the native JSONL format, one problem per line, and importers for the
// public formats users already have on disk (GSM8K, MATH/LIMO/AIME style, plain CSV).
//
// Reading is strict: the first bad line throws ConfigError "<file>:<line>: field \"answer\": <what>", and nothing
// runs on a half-valid file unless `skip_bad_lines` is set (then each bad line is recorded in `skipped` and left out).
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/answer_check.h"

namespace hogwild::lab {

struct Problem {
  std::string id;        // unique within its set
  std::string question;  // the task text given to the workers
  std::string answer;    // the expected answer (regex: the pattern unless check.pattern is set)
  AnswerCheck check;
  std::vector<std::string> tags;
};

enum class ProblemFormat { Auto, Jsonl, Gsm8k, Math, Csv };
std::string_view to_string(ProblemFormat f);
std::optional<ProblemFormat> problem_format_from_string(std::string_view s);

struct CsvColumns {
  std::string id = "id";              // optional column; line numbers when absent
  std::string question = "question";
  std::string answer = "answer";
  std::string check = "check";        // optional column with a check kind per row
  std::string tags = "tags";          // optional column, tags separated by ';'
  char delimiter = ',';
};

struct LoadOptions {
  ProblemFormat format = ProblemFormat::Auto;
  bool skip_bad_lines = false;
  size_t limit = 0;                  // keep the first `limit` problems (0: all)
  CsvColumns csv;
  // Importers only: the check used when the source has none (GSM8K: numeric; MATH: boxed; CSV: numeric if the
  // answer is a number, else exact).
  std::optional<CheckKind> default_check;
};

struct ProblemSet {
  std::string name;                  // the file's stem unless given
  std::string source;                // the path it was read from
  std::vector<Problem> problems;
  std::vector<std::string> skipped;  // one message per bad line left out (skip_bad_lines)
};

// Reads a problem set in any supported format (Auto: by extension and the first record's fields).
ProblemSet load_problem_set(const std::filesystem::path& path, const LoadOptions& options = {});
// Parses text already in memory (`source` names it in errors).
ProblemSet parse_problem_set(const std::string& text, const std::string& source, const LoadOptions& options = {});

// One problem <-> one JSONL object of the native format.
nlohmann::ordered_json problem_to_json(const Problem& p);  // fields in the documented order
// Throws ConfigError("field \"…\": …") without the file/line prefix.
Problem problem_from_json(const nlohmann::json& j);

// Writes the native JSONL format atomically.
void save_problem_set(const ProblemSet& set, const std::filesystem::path& path);
std::string problem_set_to_jsonl(const ProblemSet& set);

}  // namespace hogwild::lab
