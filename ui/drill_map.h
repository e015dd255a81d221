#pragma once
// Maps the engine's per-token drill-down rows (StatsEvent::drill) back onto the tokens shown in the worker panes,
// and keeps one compact row per query token so that a click on ANY token shows that token's attention.
//
// A drill row is worker q's newest query's attention (mean over heads, one layer) over every cache token,
// concatenated in block-id order. Which pane token sits at which cache position follows from the event stream:
//   * the worker's own block (step:w / ws:w) holds its newest tokens: the last block_length tokens the worker
//     received before the StatsEvent (every token reported before a pass's statistics was fed in that pass);
//     the newest of them is the query the row belongs to;
//   * the first block (common / prompt) holds the prompt, then each finished step in merge order
//     (StepFinishedEvent), a step being every token of that worker carrying that step number;
//   * the statistics of pass p describe the cache before the merges reported in the same pass p;
//   * headers, markers, the split and the prompt have no pane tokens and are not tinted.
//
// Per-token rows: at every StatsEvent with drill rows, each worker's row is mapped onto the pane tokens and kept
// sparsely (the tokens with at least kKeepFraction of the row's largest pane weight, at most kMaxEntries of the
// largest): the panes draw nothing below 2 % of the maximum, so what is dropped would not be visible. Memory is
// at most ~kMaxEntries·8 bytes per token (2 KiB), whatever the context length.
//
// Tokens of an inserted run (a step prefix, the collaboration question) are fed in one pass: only the last of
// them is a "newest query" and has a row; rowFor() then falls back to the nearest later token that has one.
// Plain C++ over engine events (no Qt), so it is tested without widgets.
#include <cstdint>
#include <memory>
#include <vector>

#include "hogwild/events.h"

namespace hogwild::ui {

class DrillMap {
 public:
  static constexpr float kKeepFraction = 0.02f;
  static constexpr int kMaxEntries = 256;

  void reset(int workers);
  // `owner`, when given, keeps `e` alive (the batch it came in): the newest statistics are then held without a
  // copy. Without it they are copied.
  void onEvent(const EngineEvent& e, const std::shared_ptr<const void>& owner = {});

  bool hasDrill() const { return last_ && !last_->drill.empty(); }
  int drillLayer() const { return last_ ? last_->drill_layer : -1; }
  int64_t drillPass() const { return last_ ? last_->pass : 0; }
  // For query worker q: weights[w][i] = attention of q's newest query (at the last drill pass) on token i of
  // worker w's pane (0 for tokens it did not see). Empty when there is no drill row.
  std::vector<std::vector<float>> tints(int query_worker) const;
  int tokens(int worker) const { return static_cast<int>(steps_.at(static_cast<size_t>(worker)).size()); }

  // The recorded row of one query token.
  struct Entry {
    int32_t worker = 0, token = 0;
    float weight = 0;
  };
  struct TokenRow {
    int worker = -1, token = -1;  // the query token
    int64_t pass = 0;             // the pass that fed it
    int layer = -1;
    float max_weight = 0;          // largest weight on a pane token
    std::vector<Entry> entries;    // sparse, in no particular order
  };
  // The row of token `token` of worker `worker`, or of the nearest later token of the same worker that has one
  // (see above); null when there is none (not fed yet, drill-down off or over its size cap at the time).
  const TokenRow* rowFor(int worker, int token) const;
  // Dense tints of a row for the panes' current token counts ([worker][token], 0 = none).
  std::vector<std::vector<float>> tints(const TokenRow& row) const;
  size_t recordedRows() const { return rows_.size(); }

 private:
  struct Segment {
    int worker = 0, first = 0, count = 0;
    int64_t pass = 0;  // merge pass
  };
  // Calls put(worker, first token, first position in the row, n) for every run of pane tokens the statistics `s`
  // cover (tokens first..first+n-1 of that worker sit at positions pos..pos+n-1), given the token counts and
  // merged segments at the time. Runs are clipped to the valid tokens and to the row (`row_length`).
  template <class Put>
  void mapRuns(const StatsEvent& s, const std::vector<int>& counts, const std::vector<Segment>& common, int64_t row_length, Put put) const;
  void recordRows(const StatsEvent& s);

  std::vector<std::vector<int>> steps_;  // [worker][token] step number
  std::vector<int> merged_;              // tokens of each worker already merged into common
  std::vector<Segment> common_;          // merged steps, in merge order
  // Snapshot at the last StatsEvent with drill rows.
  std::shared_ptr<const StatsEvent> last_;
  std::vector<int> snap_count_;
  std::vector<Segment> snap_common_;
  // Per-token rows: rows_ in arrival order, row_of_[worker][token] = index in rows_ or -1.
  std::vector<TokenRow> rows_;
  std::vector<std::vector<int32_t>> row_of_;
};

}  // namespace hogwild::ui
