#pragma once
// hogwild-lab's commands (docs/LAB.md "Command line"): generate, import, run (--resume), bench, report, export. `plot`
// needs Qt Charts and lives in hogwild_lab.cpp. Every command returns the process exit code; a bad flag or file
// throws ConfigError with one clear line.
#include <map>
#include <string>
#include <vector>

namespace hogwild::app {

// Parsed arguments: the positional ones and the flags ("--db x" -> flags["db"] = {"x"}; repeated flags collect).
struct LabArgs {
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> flags;

  bool has(const std::string& f) const { return flags.count(f) != 0; }
  std::string value(const std::string& f, const std::string& fallback = "") const;
  long long integer(const std::string& f, long long fallback, long long lo, long long hi) const;
  // Every value of a repeated flag, each checked like integer().
  std::vector<long long> integers(const std::string& f, long long lo, long long hi) const;
};

// Flags that take a value vs switches, per command; an unknown flag is an error naming the command.
LabArgs parse_lab_args(const std::vector<std::string>& args);
const char* lab_usage();

int lab_generate(const LabArgs& a);
int lab_import(const LabArgs& a);
int lab_run(const LabArgs& a);
// Throughput of the executors on one experiment (docs/PERFORMANCE.md, "Lab throughput").
int lab_bench(const LabArgs& a);
int lab_report(const LabArgs& a);
int lab_export(const LabArgs& a);

// Writes text to a file atomically, or to stdout for "-".
void write_output(const std::string& path, const std::string& text, const std::string& what);

}  // namespace hogwild::app
