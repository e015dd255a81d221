#include "attention_matrices.h"

#include <algorithm>
#include <cmath>

#include <QObject>

#include "worker_palette.h"

namespace hogwild::ui {

namespace {

QString worker_label(int w, const QStringList& names) {
  return w >= 0 && w < names.size() ? names[w] : QString("worker %1").arg(w + 1);
}

}  // namespace

QString block_label(const std::string& block_name, const QStringList& names) {
  const QString n = QString::fromStdString(block_name);
  const int colon = n.indexOf(':');
  if (colon < 0) {
    if (n == "common") return QObject::tr("shared history");
    if (n == "hdr_others") return QObject::tr("others' header");
    if (n == "hdr_own") return QObject::tr("own header");
    if (n == "split") return QObject::tr("split line");
    return n;
  }
  const QString kind = n.left(colon);
  bool ok = false;
  const int w = n.mid(colon + 1).toInt(&ok);
  if (!ok) return n;
  const QString who = worker_label(w, names);
  if (kind == "step") return QObject::tr("%1's current step").arg(who);
  if (kind == "marker") return QObject::tr("%1's marker").arg(who);
  if (kind == "ws") return QObject::tr("%1's workspace").arg(who);
  return who + ": " + kind;
}

QString layout_legend(PresetLayout layout) {
  switch (layout) {
    case PresetLayout::Combined:
      return QObject::tr("Each worker sees: shared history → others' current steps → its own step.");
    case PresetLayout::Interleaved:
      return QObject::tr("Each worker sees: shared history → its own step (others' steps once finished).");
    case PresetLayout::Contiguous:
      return QObject::tr("Each worker sees: the prompt → others' workspaces → its own workspace.");
  }
  return {};
}

HeatmapMatrix worker_block_matrix(const StatsEvent& s, const QStringList& names, int layer, int head) {
  HeatmapMatrix m;
  const int F = static_cast<int>(s.block_names.size());
  if (s.workers <= 0 || F == 0 || s.mass.size() != static_cast<size_t>(s.workers) * s.layers * s.heads * F) return m;
  m.rows = s.workers;
  m.cols = F;
  m.values.assign(static_cast<size_t>(m.rows) * m.cols, 0.f);
  const int l0 = layer < 0 ? 0 : std::min(layer, s.layers - 1), l1 = layer < 0 ? s.layers : l0 + 1;
  const int h0 = head < 0 ? 0 : std::min(head, s.heads - 1), h1 = head < 0 ? s.heads : h0 + 1;
  const float n = static_cast<float>((l1 - l0) * (h1 - h0));
  for (int w = 0; w < s.workers; ++w)
    for (int f = 0; f < F; ++f) {
      float sum = 0;
      for (int l = l0; l < l1; ++l)
        for (int h = h0; h < h1; ++h) sum += s.at(w, l, h, f);
      m.values[static_cast<size_t>(w) * F + f] = sum / n;
    }
  for (int w = 0; w < s.workers; ++w) {
    m.row_labels << worker_label(w, names);
    m.row_colors.push_back(worker_color(w));
  }
  for (const auto& b : s.block_names) {
    m.col_labels << block_label(b, names);
    m.col_ids << QString::fromStdString(b);
  }
  m.title = QObject::tr("Where each worker looks (%1, %2)")
                .arg(layer < 0 ? QString("mean of layers") : QString("layer %1").arg(layer))
                .arg(head < 0 ? QString("mean of heads") : QString("head %1").arg(head));
  return m;
}

HeatmapMatrix grouped_worker_matrix(const StatsEvent& s, const QStringList& names, int layer, int head) {
  const HeatmapMatrix full = worker_block_matrix(s, names, layer, head);
  if (full.empty()) return full;
  HeatmapMatrix m = full;
  m.cols = 4;
  // Short enough to stand upright under four columns of a half-width map.
  m.col_labels = {QObject::tr("shared history"), QObject::tr("own step"), QObject::tr("others' steps"), QObject::tr("markers")};
  m.col_ids = {"common, prompt", "step:self, ws:self", "step:other, ws:other", "headers and markers: hdr_others, hdr_own, marker:*, split"};
  m.values.assign(static_cast<size_t>(m.rows) * 4, 0.f);
  for (int w = 0; w < full.rows; ++w)
    for (int f = 0; f < full.cols; ++f) {
      const std::string& n = s.block_names[static_cast<size_t>(f)];
      const int owner = f < static_cast<int>(s.block_owner.size()) ? s.block_owner[static_cast<size_t>(f)] : -1;
      const bool own_kind = n.rfind("step:", 0) == 0 || n.rfind("ws:", 0) == 0;
      const int g = (n == "common" || n == "prompt") ? 0 : own_kind ? (owner == w ? 1 : 2) : 3;
      m.values[static_cast<size_t>(w) * 4 + g] += full.at(w, f);
    }
  m.title = layer < 0 && head < 0 ? QObject::tr("Where each worker looks") : full.title;
  return m;
}

HeatmapMatrix layer_head_matrix(const StatsEvent& s, const QStringList& names, int worker, int block) {
  HeatmapMatrix m;
  const int F = static_cast<int>(s.block_names.size());
  if (worker < 0 || worker >= s.workers || block < 0 || block >= F ||
      s.mass.size() != static_cast<size_t>(s.workers) * s.layers * s.heads * F)
    return m;
  m.rows = s.layers;
  m.cols = s.heads;
  m.values.resize(static_cast<size_t>(m.rows) * m.cols);
  for (int l = 0; l < s.layers; ++l)
    for (int h = 0; h < s.heads; ++h) m.values[static_cast<size_t>(l) * s.heads + h] = s.at(worker, l, h, block);
  for (int l = 0; l < s.layers; ++l) m.row_labels << QString("layer %1").arg(l);
  for (int h = 0; h < s.heads; ++h) m.col_labels << QString("h%1").arg(h);
  m.title = QString("%1 → %2, per layer and head").arg(worker_label(worker, names), block_label(s.block_names[static_cast<size_t>(block)], names));
  return m;
}

std::vector<float> share_to_others(const StatsEvent& s) {
  std::vector<float> out(static_cast<size_t>(std::max(0, s.workers)), 0.f);
  const int F = static_cast<int>(s.block_names.size());
  if (s.mass.size() != static_cast<size_t>(s.workers) * s.layers * s.heads * F || s.block_owner.size() != static_cast<size_t>(F)) return out;
  const float n = static_cast<float>(std::max(1, s.layers * s.heads));
  for (int w = 0; w < s.workers; ++w) {
    float sum = 0;
    for (int f = 0; f < F; ++f) {
      const int owner = s.block_owner[static_cast<size_t>(f)];
      if (owner < 0 || owner == w) continue;
      for (int l = 0; l < s.layers; ++l)
        for (int h = 0; h < s.heads; ++h) sum += s.at(w, l, h, f);
    }
    out[static_cast<size_t>(w)] = sum / n;
  }
  return out;
}

HeatmapMatrix timeline_matrix(const std::vector<std::vector<float>>& shares, const std::vector<qint64>& passes,
                              const QStringList& names, int max_cols) {
  HeatmapMatrix m;
  if (shares.empty()) return m;
  const int total = static_cast<int>(shares.size());
  const int first = std::max(0, total - max_cols);
  m.rows = static_cast<int>(shares.front().size());
  m.cols = total - first;
  m.values.assign(static_cast<size_t>(m.rows) * m.cols, std::nanf(""));
  for (int c = 0; c < m.cols; ++c) {
    const auto& col = shares[static_cast<size_t>(first + c)];
    for (int r = 0; r < m.rows && r < static_cast<int>(col.size()); ++r) m.values[static_cast<size_t>(r) * m.cols + c] = col[static_cast<size_t>(r)];
    m.col_labels << QString("pass %1").arg(c + first < static_cast<int>(passes.size()) ? passes[static_cast<size_t>(c + first)] : c + first);
  }
  for (int r = 0; r < m.rows; ++r) {
    m.row_labels << worker_label(r, names);
    m.row_colors.push_back(worker_color(r));
  }
  // Shares of attention to others are small; scale to the largest seen so the pattern stays visible.
  float hi = 0;
  for (float v : m.values)
    if (!std::isnan(v)) hi = std::max(hi, v);
  m.vmax = hi > 0 ? hi : 1.f;
  m.title = "Timeline: share of attention on OTHER workers' blocks, per pass";
  return m;
}

}  // namespace hogwild::ui

