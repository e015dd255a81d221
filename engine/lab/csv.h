#pragma once
// RFC 4180 CSV: quoted fields with "" escapes and line breaks inside quotes; CRLF or LF rows. Used to import
// problem sets and to export lab results.
#include <string>
#include <string_view>
#include <vector>

namespace hogwild::lab {

struct CsvOptions {
  char delimiter = ',';
};

struct CsvRow {
  size_t line = 0;  // 1-based line where the row starts
  std::vector<std::string> cells;
};

// Blank lines are skipped. Throws ConfigError(" line N: …") for an unterminated quote or text after a closing quote.
std::vector<CsvRow> parse_csv(std::string_view text, const CsvOptions& options = {});

// One field, quoted when it holds the delimiter, a quote, a line break or leading/trailing spaces.
std::string csv_field(std::string_view value, char delimiter = ',');
// Fields joined with the delimiter, ended by "\n".
std::string csv_line(const std::vector<std::string>& fields, char delimiter = ',');

}  // namespace hogwild::lab
