#pragma once
// Maps the engine's per-token drill-down rows (StatsEvent::drill) back onto the tokens shown in the worker panes.
//
// A drill row is worker q's newest query's attention (mean over heads, one layer) over every cache token,
// concatenated in block-id order. Which pane token sits at which cache position follows from the event stream:
//   * the worker's own block (step:w / ws:w) holds its newest tokens: the last block_length tokens the worker
//     received before the StatsEvent (every token reported before a pass's statistics was fed in that pass);
//   * the first block (common / prompt) holds the prompt, then each finished step in merge order
//     (StepFinishedEvent), a step being every token of that worker carrying that step number;
//   * the statistics of pass p describe the cache before the merges reported in the same pass p;
//   * headers, markers, the split and the prompt have no pane tokens and are not tinted.
// Plain C++ over engine events (no Qt), so it is tested without widgets.
#include <cstdint>
#include <vector>

#include "hogwild/events.h"

namespace hogwild::ui {

class DrillMap {
 public:
  void reset(int workers);
  void onEvent(const EngineEvent& e);

  bool hasDrill() const { return !last_.drill.empty(); }
  int drillLayer() const { return last_.drill_layer; }
  int64_t drillPass() const { return last_.pass; }
  // For query worker q: weights[w][i] = attention of q's newest query (at the last drill pass) on token i of
  // worker w's pane (0 for tokens it did not see). Empty when there is no drill row.
  std::vector<std::vector<float>> tints(int query_worker) const;
  int tokens(int worker) const { return static_cast<int>(steps_.at(static_cast<size_t>(worker)).size()); }

 private:
  struct Segment {
    int worker = 0, first = 0, count = 0;
    int64_t pass = 0;  // merge pass
  };
  std::vector<std::vector<int>> steps_;  // [worker][token] step number
  std::vector<int> merged_;              // tokens of each worker already merged into common
  std::vector<Segment> common_;          // merged steps, in merge order
  // Snapshot at the last StatsEvent with drill rows.
  StatsEvent last_;
  std::vector<int> snap_count_;
  std::vector<Segment> snap_common_;
};

}  // namespace hogwild::ui
