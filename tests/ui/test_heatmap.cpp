// Heatmaps: the colour map, the pure image builder, the attention matrices, and a widget fed a known matrix
// painting the expected colours at known pixels (grab -> QImage).
#include <cmath>

#include <QtTest>

#include "attention_matrices.h"
#include "heatmap_matrix.h"
#include "heatmap_panel.h"
#include "heatmap_render.h"
#include "heatmap_widget.h"

using namespace hogwild;
using namespace hogwild::ui;

namespace {

HeatmapMatrix known() {
  HeatmapMatrix m;
  m.rows = 2;
  m.cols = 3;
  m.values = {0.f, 0.5f, 1.f, 0.25f, 0.75f, std::nanf("")};
  m.row_labels = {"Alice", "Bob"};
  m.col_labels = {"common", "step:Alice", "step:Bob"};
  m.title = "known";
  return m;
}

StatsEvent stats() {
  // 2 workers, 2 layers, 1 head, blocks common / step:0 / step:1.
  StatsEvent s;
  s.pass = 7;
  s.workers = 2;
  s.layers = 2;
  s.heads = 1;
  s.block_names = {"common", "step:0", "step:1"};
  s.block_owner = {-1, 0, 1};
  s.block_lengths = {10, 3, 4};
  s.mass = {0.5f, 0.4f, 0.1f,   // w0 l0
            0.3f, 0.4f, 0.3f,   // w0 l1
            0.2f, 0.2f, 0.6f,   // w1 l0
            0.6f, 0.0f, 0.4f};  // w1 l1
  return s;
}

bool close(QRgb a, QRgb b, int tol = 2) {
  return std::abs(qRed(a) - qRed(b)) <= tol && std::abs(qGreen(a) - qGreen(b)) <= tol && std::abs(qBlue(a) - qBlue(b)) <= tol;
}

}  // namespace

class TestHeatmap : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void viridisEndpoints() {
    // matplotlib's viridis: #440154 at 0, #21918c at 0.5, #fde725 at 1. Tolerance 5: the polynomial fit is off by up
    // to 4 levels at the ends (invisible, and the legend uses the same function as the cells).
    QVERIFY(close(viridis(0.f), qRgb(0x44, 0x01, 0x54), 5));
    QVERIFY(close(viridis(0.5f), qRgb(0x21, 0x91, 0x8c), 5));
    QVERIFY(close(viridis(1.f), qRgb(0xfd, 0xe7, 0x25), 5));
    QCOMPARE(viridis(-1.f), viridis(0.f));  // clamped
    // Sequential: luma (perceived brightness) grows monotonically from 0 to 1.
    double last = -1;
    for (int i = 0; i <= 20; ++i) {
      const QRgb c = viridis(static_cast<float>(i) / 20.f);
      const double luma = 0.299 * qRed(c) + 0.587 * qGreen(c) + 0.114 * qBlue(c);
      QVERIFY(luma > last);
      last = luma;
    }
  }

  void imageIsOnePixelPerCell() {
    const HeatmapMatrix m = known();
    const QImage img = heatmap_image(m);
    QCOMPARE(img.size(), QSize(3, 2));
    QCOMPARE(img.pixel(0, 0), viridis(0.f));
    QCOMPARE(img.pixel(2, 0), viridis(1.f));
    QCOMPARE(img.pixel(1, 1), viridis(0.75f));
    QCOMPARE(img.pixel(2, 1), qRgb(200, 200, 200));  // NaN: no data
  }

  void widgetPaintsKnownColours() {
    HeatmapWidget w;
    w.resize(700, 360);
    w.setMatrix(known());
    const QImage shot = w.grab().toImage();
    const HeatmapMatrix m = known();
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c) {
        const QRect cell = w.cellRect(r, c);
        QVERIFY(!cell.isEmpty());
        // A corner of the cell (the value text sits in the middle).
        const QPoint p = cell.topLeft() + QPoint(3, 3);
        const QRgb got = shot.pixel(p * shot.devicePixelRatio());
        QVERIFY2(close(got, heat_color(m, m.at(r, c))), qPrintable(QString("cell %1,%2: got %3").arg(r).arg(c).arg(got, 0, 16)));
      }
    QCOMPARE(w.cellAt(w.cellRect(1, 2).center()), QPoint(2, 1));
    QCOMPARE(w.cellAt(QPoint(0, 0)), QPoint(-1, -1));
  }

  void workerBlockMatrixAveragesLayers() {
    const QStringList names{"Alice", "Bob"};
    const HeatmapMatrix mean = worker_block_matrix(stats(), names, -1, -1);
    QCOMPARE(mean.rows, 2);
    QCOMPARE(mean.cols, 3);
    QCOMPARE(mean.at(0, 0), 0.4f);
    QCOMPARE(mean.at(1, 2), 0.5f);
    QCOMPARE(mean.col_labels, QStringList({"shared history", "Alice's current step", "Bob's current step"}));
    QCOMPARE(mean.col_ids, QStringList({"common", "step:0", "step:1"}));  // internal names stay in the tooltips
    const HeatmapMatrix l1 = worker_block_matrix(stats(), names, 1, 0);
    QCOMPARE(l1.at(1, 0), 0.6f);
    const HeatmapMatrix lh = layer_head_matrix(stats(), names, 1, 2);
    QCOMPARE(lh.rows, 2);
    QCOMPARE(lh.cols, 1);
    QCOMPARE(lh.at(0, 0), 0.6f);
    QCOMPARE(lh.at(1, 0), 0.4f);
  }

  void shareToOthersCountsOnlyOtherWorkersBlocks() {
    const auto share = share_to_others(stats());
    QCOMPARE(share.size(), size_t{2});
    QCOMPARE(share[0], (0.1f + 0.3f) / 2.f);   // Alice -> step:1 (Bob's)
    QCOMPARE(share[1], (0.2f + 0.0f) / 2.f);   // Bob -> step:0 (Alice's); common is shared (owner -1)
    const HeatmapMatrix t = timeline_matrix({share, share}, {0, 1}, {"Alice", "Bob"});
    QCOMPARE(t.rows, 2);
    QCOMPARE(t.cols, 2);
    QCOMPARE(t.vmax, 0.2f);  // scaled to the largest share
  }

  void panelRendersOffTheGuiThread() {
    // The panel's maps are rendered on its renderer thread; the picture that arrives is exactly what rendering
    // the same matrix here gives, and only the newest of several quick refreshes is applied.
    HeatmapPanel panel;
    panel.resize(800, 420);
    panel.show();
    panel.reset({"Alice", "Bob"}, 2, 2);
    QSignalSpy spy(&panel, &HeatmapPanel::rendered);
    panel.addStats(stats());
    for (int i = 0; i < 5; ++i) panel.refresh();
    QVERIFY(panel.renderPending());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.renderPending(), 10000);
    QVERIFY(spy.count() >= 1 && spy.count() <= 5);
    QVERIFY(panel.lastRenderThread() != nullptr);
    QVERIFY(panel.lastRenderThread() != QThread::currentThread());
    HeatmapWidget* w = panel.workerBlockHeatmap();
    const HeatmapMatrix want = worker_block_matrix(stats(), {"Alice", "Bob"}, -1, -1);
    QCOMPARE(w->matrix().values, want.values);
    const QImage here = render_heatmap(want, w->size(), w->style());
    QCOMPARE(w->image(), here);
    // The widget paints that image: a cell's corner has the cell's colour on screen.
    const QImage shot = w->grab().toImage();
    const QPoint corner = w->cellRect(1, 2).topLeft() + QPoint(3, 3);
    QVERIFY(close(shot.pixel(corner * shot.devicePixelRatio()), heat_color(want, want.at(1, 2))));
    // A reset drops renders still in flight: the map stays empty.
    panel.refresh();
    panel.reset({"Alice", "Bob"}, 2, 2);
    QTest::qWait(200);
    QVERIFY(w->matrix().empty());
    QVERIFY(!panel.renderPending());
  }

  void denseRowsGetEveryLabelInASmallerFont() {
    // Eight workers in a short map: rows much lower than a line. Every row's label is drawn, in its row colour,
    // inside its own row band (a smaller font), instead of full-size labels drawn over their neighbours.
    HeatmapMatrix m;
    m.rows = 8;
    m.cols = 3;
    m.values.assign(24, 0.5f);
    const std::vector<QColor> colors{Qt::red, Qt::green, Qt::blue, Qt::magenta, Qt::cyan, QColor(255, 128, 0), QColor(128, 0, 255), QColor(0, 128, 128)};
    for (int r = 0; r < 8; ++r) {
      m.row_labels << QString("Worker%1").arg(r);
      m.row_colors.push_back(colors[static_cast<size_t>(r)]);
    }
    m.col_labels = {"a", "b", "c"};
    HeatmapStyle st;
    st.font.setPixelSize(20);
    HeatmapGeometry g;
    const QImage img = render_heatmap(m, QSize(400, 125), st, &g);
    const int ch = g.grid.height() / 8;
    QVERIFY2(ch * 3 < QFontMetrics(st.font).height() * 2 && ch >= 7, qPrintable(QString("%1 vs %2").arg(ch).arg(QFontMetrics(st.font).height())));
    for (int r = 0; r < 8; ++r) {
      const QColor want = colors[static_cast<size_t>(r)];
      int hits = 0, top = 1 << 30, bottom = -1;
      for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < g.grid.left(); ++x) {
          const QColor c = img.pixelColor(x, y);
          // Ink of this row's colour: close in RGB to the label colour (antialiased edges are paler: not counted).
          const int d = std::abs(c.red() - want.red()) + std::abs(c.green() - want.green()) + std::abs(c.blue() - want.blue());
          if (d > 90) continue;
          ++hits;
          top = std::min(top, y);
          bottom = std::max(bottom, y);
        }
      QVERIFY2(hits >= 6, qPrintable(QString("row %1: %2 label pixels").arg(r).arg(hits)));
      const int band_top = g.grid.top() + r * ch, band_bottom = band_top + ch - 1;
      QVERIFY2(top >= band_top - 1 && bottom <= band_bottom + 1,
               qPrintable(QString("row %1: label ink at y %2..%3, its row is %4..%5").arg(r).arg(top).arg(bottom).arg(band_top).arg(band_bottom)));
    }
  }

  void malformedStatsGiveEmptyMatrices() {
    StatsEvent s = stats();
    s.mass.pop_back();
    QVERIFY(worker_block_matrix(s, {}, -1, -1).empty());
    QVERIFY(layer_head_matrix(s, {}, 0, 0).empty());
    QVERIFY(layer_head_matrix(stats(), {}, 5, 0).empty());
  }
};

QTEST_MAIN(TestHeatmap)
#include "test_heatmap.moc"
