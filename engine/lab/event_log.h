#pragma once
// The event log of one lab run: the engine events as JSONL (docs/EVENTS.md), kept so that any run can be opened
// and replayed in the normal panes, stored zlib-compressed in the results database. To keep it small, statistics
// events are thinned to every `stats_every`-th pass (plus the last one) and their masses rounded to 1e-4.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hogwild/events.h"

namespace hogwild::lab {

class EventLogWriter {
 public:
  explicit EventLogWriter(int stats_every) : stats_every_(stats_every) {}
  // worker >= 0: rewrite the event's worker index (the independent control's streams become workers 0..W-1);
  // statistics events of such streams are dropped (they describe one stream, not the run).
  void add(const EngineEvent& e, int worker = -1);
  // The JSONL text: the newest statistics event appended if it was thinned away, the FinishedEvent last.
  std::string finish();

 private:
  int stats_every_;
  std::string jsonl_;
  std::string finished_line_;
  std::optional<StatsEvent> last_dropped_stats_;
};

// zlib (deflate) compression of the log text; decompress throws Error on corrupt data.
std::string compress_text(std::string_view text);
std::string decompress_text(std::string_view data, size_t raw_size);

// Parses a JSONL event log; throws ConfigError naming the line.
std::vector<EngineEvent> parse_event_log(std::string_view jsonl);

}  // namespace hogwild::lab
