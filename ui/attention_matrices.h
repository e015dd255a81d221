#pragma once
// Pure functions from the engine's attention statistics (StatsEvent) to heatmap matrices. Mass values are
// shares of a query's softmax (they sum to 1 over the blocks), so every matrix here is on the scale [0, 1]
// unless noted.
#include <QStringList>
#include <vector>

#include "heatmap_matrix.h"
#include "hogwild/events.h"
#include "hogwild/preset.h"

namespace hogwild::ui {

// Plain-language names of the cache blocks (issue #20; the internal names stay in tooltips and exports):
// "common" -> "shared history", "step:1" -> "Bob's current step", "marker:1" -> "Bob's marker", "hdr_others" ->
// "others' header", "hdr_own" -> "own header", "ws:0" -> "Alice's workspace", "prompt" -> "prompt",
// "split" -> "split line". Unknown names are kept.
QString block_label(const std::string& block_name, const QStringList& worker_names);
// One line per layout: what each worker sees (the legend under the heatmaps).
QString layout_legend(PresetLayout layout);

// Rows: workers; columns: blocks. layer/head -1 = mean over all layers/heads.
HeatmapMatrix worker_block_matrix(const StatsEvent& s, const QStringList& names, int layer, int head);
// Presentation mode: the same shares summed into four plain groups per worker — "shared history" (common /
// prompt), "own step" (its step or workspace), "others' steps" (the other workers' steps or workspaces) and
// "markers" (headers, markers, the split line; the tooltip says so). Few short columns: readable with 8 workers.
HeatmapMatrix grouped_worker_matrix(const StatsEvent& s, const QStringList& names, int layer, int head);
// Rows: layers; columns: heads; the mass that `worker`'s newest query puts on `block`.
HeatmapMatrix layer_head_matrix(const StatsEvent& s, const QStringList& names, int worker, int block);
// Per worker: the share of attention (mean over layers and heads) on blocks owned by OTHER workers
// (owner != self and owner >= 0: their current steps and markers).
std::vector<float> share_to_others(const StatsEvent& s);
// Rows: workers; columns: the last `max_cols` passes of `shares` ([pass][worker]).
HeatmapMatrix timeline_matrix(const std::vector<std::vector<float>>& shares, const std::vector<qint64>& passes,
                              const QStringList& names, int max_cols = 400);

}  // namespace hogwild::ui
