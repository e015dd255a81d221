#include "lab/problem_set.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "lab/csv.h"

namespace hogwild::lab {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// One record of a source file, with where it came from ("line 7", "item 3", "file x.json").
struct Record {
  std::string where;
  json value;             // JSON formats
  std::vector<std::string> cells;  // CSV
};

[[noreturn]] void field_error(const std::string& field, const std::string& what) {
  throw ConfigError("field \"" + field + "\": " + what);
}

std::string text_field(const json& j, const std::string& key, bool required) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) field_error(key, "missing");
    return {};
  }
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  if (it->is_number()) {
    std::ostringstream s;
    s.precision(17);
    s << it->get<double>();
    return s.str();
  }
  field_error(key, "must be a string (got " + it->dump() + ")");
}

AnswerCheck check_from_json(const json& c) {
  AnswerCheck check;
  auto kind_of = [](const json& v) {
    if (!v.is_string()) field_error("check", "must be one of numeric, exact, boxed, regex, choice (got " + v.dump() + ")");
    const auto k = check_kind_from_string(v.get<std::string>());
    if (!k) field_error("check", "must be one of numeric, exact, boxed, regex, choice (got " + v.dump() + ")");
    return *k;
  };
  if (c.is_string()) {
    check.kind = kind_of(c);
    return check;
  }
  if (!c.is_object()) field_error("check", "must be a kind name or an object (got " + c.dump() + ")");
  for (const auto& [key, v] : c.items()) {
    if (key == "kind") {
      check.kind = kind_of(v);
    } else if (key == "tolerance") {
      if (!v.is_number() || v.get<double>() < 0) field_error("check.tolerance", "must be a non-negative number (got " + v.dump() + ")");
      check.tolerance = v.get<double>();
    } else if (key == "case_sensitive") {
      if (!v.is_boolean()) field_error("check.case_sensitive", "must be true or false (got " + v.dump() + ")");
      check.case_sensitive = v.get<bool>();
    } else if (key == "pattern") {
      if (!v.is_string()) field_error("check.pattern", "must be a string (got " + v.dump() + ")");
      check.pattern = v.get<std::string>();
    } else if (key == "choices") {
      if (!v.is_array() || v.empty()) field_error("check.choices", "must be a non-empty list of strings");
      for (const auto& x : v) {
        if (!x.is_string() || x.get<std::string>().empty()) field_error("check.choices", "must be a non-empty list of strings");
        check.choices.push_back(x.get<std::string>());
      }
    } else {
      field_error("check." + key, "unknown field (known: kind, tolerance, case_sensitive, pattern, choices)");
    }
  }
  if (!c.contains("kind")) field_error("check.kind", "missing");
  return check;
}

std::vector<std::string> tags_from_json(const json& t) {
  std::vector<std::string> tags;
  if (!t.is_array()) field_error("tags", "must be a list of strings (got " + t.dump() + ")");
  for (const auto& x : t) {
    if (!x.is_string()) field_error("tags", "must be a list of strings (got " + t.dump() + ")");
    tags.push_back(x.get<std::string>());
  }
  return tags;
}

CheckKind auto_check(const std::string& answer) { return parse_number(answer) && answer.find_first_of("abcdfghijklmnopqrstuvwxyzABCDFGHIJKLMNOPQRSTUVWXYZ\\") == std::string::npos ? CheckKind::Numeric : CheckKind::Exact; }

void validate(const Problem& p) {
  if (p.id.empty()) field_error("id", "is empty");
  if (p.question.empty()) field_error("question", "is empty");
  if (auto why = check_problem(p.check, p.answer)) field_error("answer", *why);
}

// GSM8K: "... reasoning ...\n#### 1,234" -> "1234".
Problem from_gsm8k(const json& j, const std::string& fallback_id) {
  if (!j.is_object()) throw ConfigError("not a JSON object");
  Problem p;
  p.id = text_field(j, "id", false);
  if (p.id.empty()) p.id = fallback_id;
  p.question = text_field(j, "question", true);
  const std::string a = text_field(j, "answer", true);
  const size_t mark = a.rfind("####");
  if (mark == std::string::npos) field_error("answer", "has no \"#### <number>\" line (GSM8K format)");
  std::string final_answer = a.substr(mark + 4);
  final_answer.erase(std::remove(final_answer.begin(), final_answer.end(), ','), final_answer.end());
  const size_t s = final_answer.find_first_not_of(" \t\r\n"), e = final_answer.find_last_not_of(" \t\r\n");
  p.answer = s == std::string::npos ? "" : final_answer.substr(s, e - s + 1);
  p.check.kind = CheckKind::Numeric;
  p.tags = {"gsm8k"};
  return p;
}

// MATH / LIMO / AIME: "problem" (or "question"), "answer" or the last \boxed{} of "solution".
Problem from_math(const json& j, const std::string& fallback_id) {
  if (!j.is_object()) throw ConfigError("not a JSON object");
  Problem p;
  for (const char* k : {"id", "unique_id", "problem_id", "idx", "ID"})
    if (j.contains(k)) {
      p.id = text_field(j, k, false);
      break;
    }
  if (p.id.empty()) p.id = fallback_id;
  p.question = text_field(j, j.contains("problem") ? "problem" : j.contains("Problem") ? "Problem" : "question", true);
  const char* answer_key = j.contains("answer") ? "answer" : j.contains("Answer") ? "Answer" : nullptr;
  if (answer_key) {
    p.answer = text_field(j, answer_key, true);
  } else {
    const std::string sol = text_field(j, "solution", false);
    if (sol.empty()) field_error("answer", "missing (and no \"solution\" with a \\boxed{} answer)");
    // The last \boxed{...}, nested braces included (MATH answers are often fractions).
    const auto boxed = last_boxed_content(sol);
    if (!boxed) field_error("solution", "has no \\boxed{} answer");
    p.answer = *boxed;
  }
  p.check.kind = CheckKind::Boxed;
  for (const char* k : {"type", "subject", "level"})
    if (j.contains(k) && j[k].is_string()) p.tags.push_back(j[k].get<std::string>());
  return p;
}

ProblemFormat detect_format(const std::string& source, const std::vector<Record>& records) {
  const std::string ext = fs::path(source).extension().string();
  if (ext == ".csv" || ext == ".tsv") return ProblemFormat::Csv;
  for (const Record& r : records) {
    if (!r.value.is_object()) continue;
    if (r.value.contains("problem") || r.value.contains("Problem") || r.value.contains("solution")) return ProblemFormat::Math;
    if (r.value.contains("answer") && r.value["answer"].is_string() && r.value["answer"].get<std::string>().find("####") != std::string::npos &&
        !r.value.contains("check"))
      return ProblemFormat::Gsm8k;
    return ProblemFormat::Jsonl;
  }
  return ProblemFormat::Jsonl;
}

std::vector<Record> json_records(const std::string& text) {
  std::vector<Record> out;
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    // A JSON array of objects (some MATH/LIMO dumps).
    json arr;
    try {
      arr = json::parse(text);
    } catch (const json::parse_error& e) {
      throw ConfigError(std::string("not valid JSON: ") + e.what());
    }
    for (size_t i = 0; i < arr.size(); ++i) out.push_back({"item " + std::to_string(i + 1), arr[i], {}});
    return out;
  }
  std::istringstream in(text);
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    Record r{"line " + std::to_string(n), json(), {}};
    try {
      r.value = json::parse(line);
    } catch (const json::parse_error& e) {
      std::string what = e.what();
      const auto pos = what.find("] ");
      r.value = json::object({{"__parse_error__", pos == std::string::npos ? what : what.substr(pos + 2)}});
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::string_view to_string(ProblemFormat f) {
  switch (f) {
    case ProblemFormat::Auto: return "auto";
    case ProblemFormat::Jsonl: return "jsonl";
    case ProblemFormat::Gsm8k: return "gsm8k";
    case ProblemFormat::Math: return "math";
    case ProblemFormat::Csv: return "csv";
  }
  return "auto";
}

std::optional<ProblemFormat> problem_format_from_string(std::string_view s) {
  for (ProblemFormat f : {ProblemFormat::Auto, ProblemFormat::Jsonl, ProblemFormat::Gsm8k, ProblemFormat::Math, ProblemFormat::Csv})
    if (to_string(f) == s) return f;
  if (s == "limo" || s == "aime") return ProblemFormat::Math;
  return std::nullopt;
}

Problem problem_from_json(const json& j) {
  if (!j.is_object()) throw ConfigError("not a JSON object");
  static const std::set<std::string> known = {"id", "question", "answer", "check", "tags"};
  for (const auto& [key, v] : j.items())
    if (!known.count(key)) field_error(key, "unknown field (known: id, question, answer, check, tags)");
  Problem p;
  p.id = text_field(j, "id", true);
  p.question = text_field(j, "question", true);
  p.answer = text_field(j, "answer", true);
  if (j.contains("check")) p.check = check_from_json(j["check"]);
  else p.check.kind = auto_check(p.answer);
  if (j.contains("tags")) p.tags = tags_from_json(j["tags"]);
  return p;
}

nlohmann::ordered_json problem_to_json(const Problem& p) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["id"] = p.id;
  j["question"] = p.question;
  j["answer"] = p.answer;
  const AnswerCheck def;
  if (p.check.tolerance == def.tolerance && !p.check.case_sensitive && p.check.pattern.empty() && p.check.choices.empty()) {
    j["check"] = std::string(to_string(p.check.kind));
  } else {
    nlohmann::ordered_json c = {{"kind", std::string(to_string(p.check.kind))}};
    if (p.check.tolerance != def.tolerance) c["tolerance"] = p.check.tolerance;
    if (p.check.case_sensitive) c["case_sensitive"] = true;
    if (!p.check.pattern.empty()) c["pattern"] = p.check.pattern;
    if (!p.check.choices.empty()) c["choices"] = p.check.choices;
    j["check"] = c;
  }
  if (!p.tags.empty()) j["tags"] = p.tags;
  return j;
}

ProblemSet parse_problem_set(const std::string& text, const std::string& source, const LoadOptions& options) {
  ProblemSet set;
  set.source = source;
  set.name = fs::path(source).stem().string();
  ProblemFormat format = options.format;
  const std::string ext = fs::path(source).extension().string();
  const bool csv = format == ProblemFormat::Csv || (format == ProblemFormat::Auto && (ext == ".csv" || ext == ".tsv"));
  std::vector<Record> records;
  std::vector<std::string> header;
  if (csv) {
    CsvOptions co;
    co.delimiter = ext == ".tsv" && options.csv.delimiter == ',' ? '\t' : options.csv.delimiter;
    std::vector<CsvRow> rows;
    try {
      rows = parse_csv(text, co);
    } catch (const ConfigError& e) {
      throw ConfigError(source + ":" + e.what());
    }
    if (rows.empty()) throw ConfigError(source + ": the CSV file is empty (a header row is required)");
    header = rows.front().cells;
    for (size_t i = 1; i < rows.size(); ++i) records.push_back({"line " + std::to_string(rows[i].line), json(), rows[i].cells});
    format = ProblemFormat::Csv;
  } else {
    try {
      records = json_records(text);
    } catch (const ConfigError& e) {
      throw ConfigError(source + ": " + e.what());
    }
    if (format == ProblemFormat::Auto) format = detect_format(source, records);
  }

  auto column = [&](const std::string& name, bool required) -> int {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      if (required) throw ConfigError(source + ": line 1: the CSV header has no column \"" + name + "\"");
      return -1;
    }
    return static_cast<int>(it - header.begin());
  };
  int c_id = -1, c_q = -1, c_a = -1, c_check = -1, c_tags = -1;
  if (format == ProblemFormat::Csv) {
    c_q = column(options.csv.question, true);
    c_a = column(options.csv.answer, true);
    c_id = column(options.csv.id, false);
    c_check = column(options.csv.check, false);
    c_tags = column(options.csv.tags, false);
  }

  std::set<std::string> ids;
  size_t index = 0;
  for (const Record& r : records) {
    if (options.limit && set.problems.size() >= options.limit) break;
    ++index;
    const std::string fallback_id = std::to_string(index);
    try {
      Problem p;
      if (r.value.is_object() && r.value.contains("__parse_error__"))
        throw ConfigError("not valid JSON: " + r.value["__parse_error__"].get<std::string>());
      switch (format) {
        case ProblemFormat::Jsonl:
        case ProblemFormat::Auto: p = problem_from_json(r.value); break;
        case ProblemFormat::Gsm8k:
          p = from_gsm8k(r.value, fallback_id);
          p.check.kind = options.default_check.value_or(p.check.kind);
          break;
        case ProblemFormat::Math:
          p = from_math(r.value, fallback_id);
          p.check.kind = options.default_check.value_or(p.check.kind);
          break;
        case ProblemFormat::Csv: {
          auto cell = [&](int c) -> std::string { return c >= 0 && static_cast<size_t>(c) < r.cells.size() ? r.cells[static_cast<size_t>(c)] : ""; };
          if (r.cells.size() != header.size())
            throw ConfigError("has " + std::to_string(r.cells.size()) + " fields but the header has " + std::to_string(header.size()));
          p.id = c_id >= 0 ? cell(c_id) : fallback_id;
          if (p.id.empty()) field_error(options.csv.id, "is empty");
          p.question = cell(c_q);
          p.answer = cell(c_a);
          if (p.question.empty()) field_error(options.csv.question, "is empty");
          if (p.answer.empty()) field_error(options.csv.answer, "is empty");
          const std::string kind = cell(c_check);
          if (!kind.empty()) {
            const auto k = check_kind_from_string(kind);
            if (!k) field_error(options.csv.check, "must be one of numeric, exact, boxed, regex, choice (got \"" + kind + "\")");
            p.check.kind = *k;
          } else {
            p.check.kind = options.default_check.value_or(auto_check(p.answer));
          }
          std::istringstream tags(cell(c_tags));
          for (std::string t; std::getline(tags, t, ';');)
            if (!t.empty()) p.tags.push_back(t);
          break;
        }
      }
      validate(p);
      if (!ids.insert(p.id).second) field_error("id", "\"" + p.id + "\" is used by an earlier problem");
      set.problems.push_back(std::move(p));
    } catch (const ConfigError& e) {
      const std::string message = source + ": " + r.where + ": " + e.what();
      if (!options.skip_bad_lines) throw ConfigError(message + " (use --skip-bad-lines to leave bad lines out)");
      set.skipped.push_back(message);
    }
  }
  if (set.problems.empty()) throw ConfigError(source + ": no problems" + (set.skipped.empty() ? std::string(" (the file is empty)") : " left after skipping " + std::to_string(set.skipped.size()) + " bad lines"));
  return set;
}

ProblemSet load_problem_set(const fs::path& path, const LoadOptions& options) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    // A folder of one-problem JSON files (the MATH dataset's layout), read in name order.
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(path, ec))
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw ConfigError(path.string() + ": the folder has no .json problem files");
    std::string jsonl;
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      json j;
      try {
        j = json::parse(ss.str());
      } catch (const json::parse_error& e) {
        throw ConfigError(f.string() + ": not valid JSON: " + e.what());
      }
      if (j.is_object() && !j.contains("id")) j["id"] = fs::relative(f, path).replace_extension().string();
      jsonl += j.dump() + "\n";
    }
    LoadOptions o = options;
    if (o.format == ProblemFormat::Auto) o.format = ProblemFormat::Math;
    ProblemSet set = parse_problem_set(jsonl, path.string() + "/(*.json, in name order)", o);
    set.name = path.filename().string();
    set.source = path.string();
    return set;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path.string() + ": cannot open the problem set");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_problem_set(ss.str(), path.string(), options);
}

std::string problem_set_to_jsonl(const ProblemSet& set) {
  std::string out;
  for (const Problem& p : set.problems) out += problem_to_json(p).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  return out;
}

void save_problem_set(const ProblemSet& set, const fs::path& path) {
  write_file_atomically(path, problem_set_to_jsonl(set), "the problem set");
}

}  // namespace hogwild::lab
