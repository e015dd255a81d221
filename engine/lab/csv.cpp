#include "lab/csv.h"

#include "common/error.h"

namespace hogwild::lab {

std::vector<CsvRow> parse_csv(std::string_view text, const CsvOptions& options) {
  std::vector<CsvRow> rows;
  const char d = options.delimiter;
  size_t i = 0, line = 1;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // UTF-8 byte order mark
  while (i < text.size()) {
    CsvRow row;
    row.line = line;
    std::string cell;
    bool row_done = false;
    while (!row_done) {
      if (i < text.size() && text[i] == '"') {
        // Quoted field.
        const size_t start_line = line;
        ++i;
        while (true) {
          if (i >= text.size()) throw ConfigError(" line " + std::to_string(start_line) + ": a quoted field is not closed");
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              cell += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          cell += text[i++];
        }
        if (i < text.size() && text[i] != d && text[i] != '\n' && text[i] != '\r')
          throw ConfigError(" line " + std::to_string(line) + ": text after a closing quote");
      } else {
        while (i < text.size() && text[i] != d && text[i] != '\n' && text[i] != '\r') cell += text[i++];
      }
      row.cells.push_back(std::move(cell));
      cell.clear();
      if (i < text.size() && text[i] == d) {
        ++i;
        continue;
      }
      if (i < text.size() && text[i] == '\r') ++i;
      if (i < text.size() && text[i] == '\n') ++i;
      ++line;
      row_done = true;
    }
    const bool blank = row.cells.size() == 1 && row.cells[0].empty();
    if (!blank) rows.push_back(std::move(row));
  }
  return rows;
}

std::string csv_field(std::string_view value, char delimiter) {
  const bool quote = value.find_first_of(std::string("\"\r\n") + delimiter) != std::string_view::npos ||
                     (!value.empty() && (value.front() == ' ' || value.back() == ' '));
  if (!quote) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string csv_line(const std::vector<std::string>& fields, char delimiter) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += delimiter;
    out += csv_field(fields[i], delimiter);
  }
  out += '\n';
  return out;
}

}  // namespace hogwild::lab
