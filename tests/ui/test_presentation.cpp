// Issue #20, presentation mode: readable at 1280×720 with 8 workers — no label smaller than 9 pt, none cut ("Cha…")
// or squeezed below the width its text needs, heatmap rows at least 18 px with every label whole (the map scrolls
// instead); plain-language block names with the internal ones in tooltips; the layout legend; zoom (Ctrl+= / - / 0).
#include <QApplication>
#include <QComboBox>
#include <QFontInfo>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QStandardPaths>
#include <QTabBar>
#include <QtTest>

#include "control_bar.h"
#include "engine_controller.h"
#include "heatmap_panel.h"
#include "heatmap_widget.h"
#include "hogwild/preset_library.h"
#include "live_label.h"
#include "main_window.h"
#include "ui_test_support.h"
#include "worker_grid.h"
#include "worker_pane.h"

using namespace hogwild;
using namespace hogwild::ui;

namespace {

// Font size in points as the screen shows it (pixel sizes converted at the screen's logical DPI).
double points(const QFont& f, const QWidget* w) {
  const QFontInfo fi(f);
  return fi.pixelSize() * 72.0 / w->logicalDpiY();
}

QStringList problems(MainWindow& w) {
  QStringList bad;
  auto check_font = [&](QWidget* x, const QString& what) {
    if (points(x->font(), x) < 9.0 - 1e-6) bad << QString("%1: %2 pt").arg(what).arg(points(x->font(), x), 0, 'f', 1);
  };
  for (QWidget* x : w.findChildren<QWidget*>()) {
    if (!x->isVisibleTo(&w) || x->window() != &w) continue;
    if (auto* l = qobject_cast<QLabel*>(x)) {
      if (l->text().isEmpty() || !l->pixmap().isNull()) continue;
      const QString what = QString("label '%1'").arg(l->text().left(40));
      check_font(l, what);
      if (l->text().contains(QChar(0x2026))) bad << what + " is elided";
      if (!l->wordWrap() && l->width() < l->minimumSizeHint().width()) bad << QString("%1 squeezed (%2 < %3 px)").arg(what).arg(l->width()).arg(l->minimumSizeHint().width());
    } else if (auto* ll = qobject_cast<LiveLabel*>(x)) {
      const QString what = QString("live label '%1'").arg(ll->text().left(40));
      check_font(ll, what);
      if (ll->width() < ll->sizeHint().width()) bad << what + " squeezed";
      if (ll->text().contains(QChar(0x2026))) bad << what + " is elided";
    } else if (auto* c = qobject_cast<QComboBox*>(x)) {
      const QString what = QString("combo '%1'").arg(c->currentText());
      check_font(c, what);
      if (c->fontMetrics().horizontalAdvance(c->currentText()) + 24 > c->width()) bad << what + " too narrow for its text";
    } else if (auto* b = qobject_cast<QPushButton*>(x)) {
      const QString what = QString("button '%1'").arg(b->text());
      check_font(b, what);
      if (b->width() < b->minimumSizeHint().width()) bad << what + " squeezed";
    } else if (auto* t = qobject_cast<QTabBar*>(x)) {
      for (int i = 0; i < t->count(); ++i)
        if (t->tabRect(i).width() < t->fontMetrics().horizontalAdvance(t->tabText(i)) + 8) bad << QString("tab '%1' elided").arg(t->tabText(i));
    }
  }
  return bad;
}

}  // namespace

class TestPresentation : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void readableAt1280x720WithEightWorkers() {
    test::Watchdog dog(180);
    MainWindow w(test::test_window_options());
    w.resize(1280, 720);
    w.show();
    w.setPresentation(true);
    test::Recorder r(w.engine());
    w.loadModelFile(test::stories_model(), test::stories_tokenizer());
    QVERIFY(r.waitState(RunState::Ready));
    Preset p = load_preset(find_preset("tiny-stories"));
    p.workers = 8;
    p.budget.max_passes = 40;
    w.applyPreset(p, {});
    w.engine().setDelayMs(0);
    Q_EMIT w.controls()->startClicked();
    QVERIFY(r.waitState(RunState::Finished, 60000));
    QTRY_VERIFY_WITH_TIMEOUT(!w.heatmaps()->renderPending(), 10000);
    QTest::qWait(200);
    QCOMPARE(w.size(), QSize(1280, 720));  // nothing forced the window wider or taller
    QCOMPARE(w.panes()->count(), 8);
    const QStringList bad = problems(w);
    QVERIFY2(bad.isEmpty(), qPrintable(bad.join("\n")));
    // The heatmaps: rows of 18 px or more, every label whole, no label font below 9 pt (12 px at 96 dpi).
    HeatmapWidget* map = w.heatmaps()->workerBlockHeatmap();
    QCOMPARE(map->matrix().rows, 8);
    const HeatmapGeometry& g = map->geometry();
    QVERIFY2(g.row_h >= 18, qPrintable(QString::number(g.row_h)));
    QCOMPARE(g.elided_labels, 0);
    QVERIFY2(g.label_px * 72.0 / map->logicalDpiY() >= 9.0, qPrintable(QString::number(g.label_px)));
    // Plain names: in presentation mode the first map groups the blocks per worker (four short columns); the Block
    // selector names every block; the internal names stay in the tooltips.
    QCOMPARE(map->matrix().col_labels, QStringList({"shared history", "own step", "others' steps", "markers"}));
    QVERIFY(!g.rotate_cols);  // upright labels
    // The whole map is in view (the splitter gave the heatmaps the room they need; nothing to scroll).
    auto* area = qobject_cast<QScrollArea*>(map->parentWidget()->parentWidget());
    QVERIFY(area);
    QVERIFY2(map->height() <= area->viewport()->height() + 1, qPrintable(QString("%1 > %2").arg(map->height()).arg(area->viewport()->height())));
    QComboBox* block = nullptr;
    for (auto* c : w.heatmaps()->findChildren<QComboBox*>())
      if (c->toolTip().contains("Target block")) block = c;
    QVERIFY(block);
    QStringList items;
    for (int i = 0; i < block->count(); ++i) items << block->itemText(i);
    QVERIFY2(items.contains("Charlie's current step") && items.contains("shared history") && items.contains("Heidi's marker"), qPrintable(items.join(", ")));
    // Each worker's shares still sum to one.
    for (int r = 0; r < 8; ++r) {
      float sum = 0;
      for (int c = 0; c < 4; ++c) sum += map->matrix().at(r, c);
      QVERIFY(std::abs(sum - 1.f) < 1e-3f);
    }
    QVERIFY(!w.heatmaps()->legendText().isEmpty());
    // The panes' text is larger than the window's, and no pane row is squeezed.
    const WorkerPane* pane = w.panes()->pane(7);
    QVERIFY(points(pane->view()->font(), pane) >= points(w.font(), &w) * 1.25);
  }

  void normalModeFitsTheMapsIntoTheirRoom() {
    // Without presentation mode nothing scrolls: the map is fitted (rows may be lower than 18 px).
    HeatmapWidget wdg;
    HeatmapMatrix m;
    m.rows = 8;
    m.cols = 3;
    m.values.assign(24, 0.5f);
    for (int i = 0; i < 8; ++i) m.row_labels << QString("W%1").arg(i);
    m.col_labels = {"a", "b", "c"};
    wdg.resize(400, 120);
    wdg.setMatrix(m);
    QCOMPARE(wdg.minimumSizeHint().height(), 180);
    wdg.setMinRowPx(18);
    QVERIFY(wdg.minimumSizeHint().height() >= 8 * 18);
  }

  void zoomIsRememberedAndFollowedByThePanes() {
    MainWindow::Options o = test::test_window_options();
    o.restore_settings = true;  // test mode: QStandardPaths/QSettings point at a test location
    MainWindow w(o);
    w.show();
    w.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&w));  // the window's shortcuts need it active
    w.setZoom(1.0);  // a previous run may have left another zoom in the (test) settings
    const double base = QFontInfo(w.font()).pointSizeF();
    w.setZoom(1.5);
    QVERIFY(QFontInfo(w.font()).pointSizeF() > base * 1.4);
    QCOMPARE(QSettings("HogwildStudio", "hogwild-studio").value("view/zoom").toDouble(), 1.5);
    // Ctrl+- and Ctrl+0 from the keyboard.
    QTest::keyClick(&w, Qt::Key_Minus, Qt::ControlModifier);
    QVERIFY(w.zoom() < 1.5);
    QTest::keyClick(&w, Qt::Key_0, Qt::ControlModifier);
    QCOMPARE(w.zoom(), 1.0);
    // F11 toggles presentation mode; its default pace is slower (full speed becomes a delay a room can follow) and
    // leaving it restores full speed.
    w.controls()->setDelayMs(0);
    QTest::keyClick(&w, Qt::Key_F11);
    QVERIFY(w.presentation());
    QVERIFY2(w.controls()->delayMs() >= 100, qPrintable(QString::number(w.controls()->delayMs())));
    QTest::keyClick(&w, Qt::Key_F11);
    QVERIFY(!w.presentation());
    QCOMPARE(w.controls()->delayMs(), 0);
    w.setZoom(1.0);
  }
};

QTEST_MAIN(TestPresentation)
#include "test_presentation.moc"
