// Worker panes: the text equals the session's transcripts (fed in uneven batches), inserted text is formatted
// apart, the tooltips list the top-k candidates, autoscroll stops when the user scrolls up, and the drill-down
// maps a known attention row onto the right tokens of every pane. The pane's text view (TokenTextView) breaks
// lines exactly where one QTextLayout of each whole paragraph does, lays out a bounded amount of text per append,
// and draws tints, the query and the step tint at the tokens' pixels; clicks and drags hit the right tokens.
#include <QScrollBar>
#include <QRandomGenerator>
#include <QScreen>
#include <QTextLayout>
#include <QtTest>

#include "drill_map.h"
#include "live_label.h"
#include "generation/model_bundle.h"
#include "hogwild/preset_library.h"
#include "hogwild/session.h"
#include "ui_test_support.h"
#include "worker_palette.h"
#include "worker_pane.h"

using namespace hogwild;
using namespace hogwild::ui;

namespace {

struct Collect : EventObserver {
  std::vector<EngineEvent> events;
  void on_event(const EngineEvent& e) override { events.push_back(e); }
};

TokenEvent tok(int w, const std::string& text, int step, bool inserted = false, int64_t pass = 0) {
  TokenEvent t;
  t.worker = w;
  t.text = text;
  t.step = step;
  t.inserted = inserted;
  t.pass = pass;
  return t;
}

std::vector<const TokenEvent*> pointers(const std::vector<TokenEvent>& ev) {
  std::vector<const TokenEvent*> out;
  for (const auto& e : ev) out.push_back(&e);
  return out;
}

// Share of the pixels inside token `token`'s box (shrunk by 1) for which pred holds: background pixels dominate
// the box of a short word.
template <class Pred>
double tokenPixelShare(const WorkerPane& pane, const QImage& img, int token, Pred pred) {
  const QRect r = pane.tokenRect(token).adjusted(1, 1, -1, -1) & img.rect();
  int hit = 0, all = 0;
  for (int y = r.top(); y <= r.bottom(); ++y)
    for (int x = r.left(); x <= r.right(); ++x, ++all) hit += pred(img.pixelColor(x, y)) ? 1 : 0;
  return all ? static_cast<double>(hit) / all : 0.0;
}

// A pane shown on the (offscreen) screen.
bool showPane(WorkerPane& pane) {
  pane.resize(420, 300);
  pane.show();
  return QTest::qWaitForWindowExposed(&pane);
}

}  // namespace

class TestWorkerPane : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void paneTextEqualsTranscript() {
    ModelBundle b = open_model_bundle(test::stories_model().toStdString(), test::stories_tokenizer().toStdString());
    Preset p = load_preset(find_preset("tiny-stories"));
    p.workers = 3;
    p.budget.max_passes = 120;
    HogwildSession s(b.model, *b.tokenizer, p, "Once upon a time");
    Collect c;
    s.set_observer(&c);
    while (s.step()) {
    }
    std::vector<std::unique_ptr<WorkerPane>> panes;
    for (int w = 0; w < 3; ++w) panes.push_back(std::make_unique<WorkerPane>(w, QString::fromStdString(s.worker_name(w))));
    // Uneven batches, as the runner cuts them by time.
    std::vector<std::vector<const TokenEvent*>> batch(3);
    size_t n = 0;
    for (const auto& e : c.events) {
      if (const auto* t = std::get_if<TokenEvent>(&e)) batch[static_cast<size_t>(t->worker)].push_back(t);
      if (++n % 17 == 0)
        for (int w = 0; w < 3; ++w) panes[w]->appendTokens(std::exchange(batch[w], {}));
    }
    for (int w = 0; w < 3; ++w) panes[w]->appendTokens(batch[w]);
    for (int w = 0; w < 3; ++w) {
      QCOMPARE(panes[w]->text(), QString::fromStdString(s.transcript(w)));
      // One metadata entry per token event, in document order.
      int tokens = 0;
      for (const auto& e : c.events)
        if (const auto* t = std::get_if<TokenEvent>(&e); t && t->worker == w) ++tokens;
      QCOMPARE(static_cast<int>(panes[w]->tokens().size()), tokens);
    }
    QVERIFY(s.history().size() > 0);
  }

  void insertedTextIsBoldAndTooltipsShowCandidates() {
    WorkerPane pane(1, "Bob");
    QStringList vocab{"<unk>", " the", " a", " cat"};
    pane.setVocab(&vocab);
    TokenEvent t1 = tok(1, "Bob: ", 1, true);
    TokenEvent t2 = tok(1, " cat", 1, false, 3);
    t2.token = 3;
    t2.top = {{1, 0.5f}, {2, 0.25f}};
    pane.appendTokens({&t1, &t2});
    QCOMPARE(pane.text(), QString("Bob:  cat"));
    QVERIFY(pane.view()->formatAt(2).fontWeight() == QFont::Bold);
    QVERIFY(pane.view()->formatAt(7).fontWeight() != QFont::Bold);
    QCOMPARE(pane.tokenAtPosition(0), 0);
    QCOMPARE(pane.tokenAtPosition(6), 1);
    const QString tip = pane.tokenTooltip(1);
    QVERIFY2(tip.contains("“ the” 50.0%") && tip.contains("“ a” 25.0%") && tip.contains("pass 3"), qPrintable(tip));
  }

  void collaborationQuestionIsHighlighted() {
    WorkerPane pane(0, "Alice");
    TokenEvent a = tok(0, "x.\n", 1), b = tok(0, "Alice [2]: ", 2, true), q = tok(0, "redundant?", 2, true), d = tok(0, " no", 2);
    pane.appendTokens({&a});
    pane.markCollabQuestion();
    pane.appendTokens({&b, &q, &d});
    QVERIFY(pane.view()->formatAt(pane.tokens()[2].start + 1).background().color() == QColor(255, 236, 140));
    QVERIFY(pane.view()->formatAt(pane.tokens()[3].start + 2).background().style() == Qt::NoBrush);
  }

  void autoscrollStopsWhenScrolledUp() {
    WorkerPane pane(0, "Alice");
    pane.resize(400, 200);
    pane.show();
    std::vector<TokenEvent> lines;
    for (int i = 0; i < 200; ++i) lines.push_back(tok(0, "line " + std::to_string(i) + "\n", 1));
    std::vector<const TokenEvent*> ptrs;
    for (int i = 0; i < 100; ++i) ptrs.push_back(&lines[static_cast<size_t>(i)]);
    pane.appendTokens(ptrs);
    QScrollBar* sb = pane.view()->verticalScrollBar();
    QVERIFY(sb->maximum() > 0);
    QCOMPARE(sb->value(), sb->maximum());  // followed the text
    sb->setValue(10);                      // the user scrolls up to read
    ptrs.clear();
    for (int i = 100; i < 150; ++i) ptrs.push_back(&lines[static_cast<size_t>(i)]);
    pane.appendTokens(ptrs);
    QCOMPARE(sb->value(), 10);
    sb->setValue(sb->maximum());           // back at the bottom: following resumes
    ptrs.clear();
    for (int i = 150; i < 200; ++i) ptrs.push_back(&lines[static_cast<size_t>(i)]);
    pane.appendTokens(ptrs);
    QCOMPARE(sb->value(), sb->maximum());
  }

  void drillRowMapsOntoTokens() {
    // Alice (0): step 1 = "A1 A2 \n" (3 tokens), then the step-2 prefix "P" (1 token), then sampled "A5".
    // Bob (1): 2 tokens in step 1. Prompt: 2 tokens. Alice's step 1 merges at pass 2, after the statistics
    // of pass 2 were taken -> the drill row of pass 2 still sees it in her own block; pass 3 sees it in common.
    std::vector<EngineEvent> ev;
    ev.push_back(tok(0, "A1", 1));
    ev.push_back(tok(1, "B1", 1));
    ev.push_back(tok(0, "A2", 1, false, 0));
    ev.push_back(tok(1, "B2", 1, false, 0));
    ev.push_back(tok(0, "\n", 1, false, 1));
    ev.push_back(tok(0, "P", 2, true, 1));
    StepFinishedEvent f;
    f.worker = 0;
    f.step = 1;
    f.pass = 2;
    ev.push_back(f);
    StatsEvent s;
    s.pass = 2;
    s.workers = 2;
    s.layers = 1;
    s.heads = 1;
    s.block_names = {"common", "hdr_others", "step:0", "marker:0", "step:1", "marker:1", "hdr_own"};
    s.block_owner = {-1, -1, 0, 0, 1, 1, -1};
    s.block_lengths = {2, 1, 4, 1, 2, 1, 1};  // before the merge: common = prompt only
    s.mass.assign(2 * 7, 0.f);
    s.drill_layer = 0;
    // Row of Alice: prompt .05 .05 | hdr .0 | A1 .1 A2 .2 \n .3 P .1 | marker 0 | B1 .05 B2 .15 | marker 0 | hdr 0
    s.drill = {{.05f, .05f, 0.f, .1f, .2f, .3f, .1f, 0.f, .05f, .15f, 0.f, 0.f}, std::vector<float>(12, 0.f)};
    ev.push_back(s);
    ev.push_back(tok(0, "A5", 2, false, 2));
    DrillMap m;
    m.reset(2);
    for (const auto& e : ev) m.onEvent(e);
    QVERIFY(m.hasDrill());
    auto t = m.tints(0);
    QCOMPARE(t.size(), size_t{2});
    QCOMPARE(t[0], (std::vector<float>{.1f, .2f, .3f, .1f, 0.f}));  // A5 came after the statistics
    QCOMPARE(t[1], (std::vector<float>{.05f, .15f}));
    // The row is kept for its query token: Alice's newest token at pass 2, "P" (token 3). Bob's row (all zeros)
    // belongs to B2. A1..\n (step 1) were fed before drilling started: no row, and the fallback stays in step 1.
    const DrillMap::TokenRow* p2 = m.rowFor(0, 3);
    QVERIFY(p2);
    QCOMPARE(p2->token, 3);
    QCOMPARE(p2->pass, qint64{2});
    QCOMPARE(p2->max_weight, .3f);
    QCOMPARE(m.tints(*p2)[0], (std::vector<float>{.1f, .2f, .3f, .1f, 0.f}));
    QCOMPARE(m.tints(*p2)[1], (std::vector<float>{.05f, .15f}));
    QVERIFY(!m.rowFor(0, 0) && !m.rowFor(0, 2));
    QVERIFY(!m.rowFor(0, 4));  // A5 is fed in the next pass
    QVERIFY(m.rowFor(1, 1) && m.rowFor(1, 1)->entries.empty());

    // Pass 3: the merged step now sits in common after the prompt; Alice's block holds "P A5".
    StatsEvent s3 = s;
    s3.pass = 3;
    s3.block_lengths = {5, 1, 2, 1, 2, 1, 1};
    s3.drill = {{.01f, .01f, .2f, .3f, .1f, 0.f, .15f, .05f, 0.f, .1f, .08f, 0.f, 0.f}, std::vector<float>(13, 0.f)};
    m.onEvent(s3);
    t = m.tints(0);
    QCOMPARE(t[0], (std::vector<float>{.2f, .3f, .1f, .15f, .05f}));
    QCOMPARE(t[1], (std::vector<float>{.1f, .08f}));
    // A5's own row now exists, and P keeps the row of pass 2.
    QVERIFY(m.rowFor(0, 4) && m.rowFor(0, 4)->pass == 3);
    QCOMPARE(m.tints(*m.rowFor(0, 4))[0], t[0]);
    QCOMPARE(m.rowFor(0, 3)->pass, qint64{2});
    QCOMPARE(m.tints(*m.rowFor(0, 3))[0], (std::vector<float>{.1f, .2f, .3f, .1f, 0.f}));

    // The panes draw a tint on exactly the tokens with weight.
    WorkerPane alice(0, "Alice");
    std::vector<const TokenEvent*> toks;
    for (const auto& e : ev)
      if (const auto* te = std::get_if<TokenEvent>(&e); te && te->worker == 0) toks.push_back(te);
    alice.appendTokens(toks);
    alice.setTokenTints(t[0], .3f);
    QCOMPARE(alice.tintedTokens(), 5);
    alice.setTokenTints({0.f, .3f, 0.f, 0.f, 0.f}, .3f);
    QCOMPARE(alice.tintedTokens(), 1);
    alice.setTokenTints({}, 0.f);
    QCOMPARE(alice.tintedTokens(), 0);
  }

  void drillRowsFromARealRunCoverEveryVisibleToken() {
    ModelBundle b = open_model_bundle(test::stories_model().toStdString(), test::stories_tokenizer().toStdString());
    Preset p = load_preset(find_preset("tiny-stories"));
    p.budget.max_passes = 80;
    p.statistics.drill_layer = 2;
    HogwildSession s(b.model, *b.tokenizer, p, "Once upon a time");
    Collect c;
    s.set_observer(&c);
    while (s.step()) {
    }
    DrillMap m;
    m.reset(2);
    int steps = 0, checked = 0;
    for (const auto& e : c.events) {
      m.onEvent(e);
      steps += std::holds_alternative<StepFinishedEvent>(e) ? 1 : 0;
      if (!std::holds_alternative<StatsEvent>(e)) continue;
      // Each worker's newest token now owns a row: its sparse tints equal the dense mapping of this pass for
      // every weight at or above kKeepFraction of the largest one (the rest is not drawn), and nothing else.
      for (int q = 0; q < 2; ++q) {
        const DrillMap::TokenRow* row = m.rowFor(q, m.tokens(q) - 1);
        QVERIFY(row);
        QCOMPARE(row->token, m.tokens(q) - 1);
        const auto dense = m.tints(q), sparse = m.tints(*row);
        float hi = 0;
        for (const auto& r : dense)
          for (float v : r) hi = std::max(hi, v);
        QCOMPARE(row->max_weight, hi);
        for (size_t w = 0; w < dense.size(); ++w)
          for (size_t i = 0; i < dense[w].size(); ++i) {
            const float want = dense[w][i] >= hi * DrillMap::kKeepFraction ? dense[w][i] : 0.f;
            if (row->entries.size() < static_cast<size_t>(DrillMap::kMaxEntries)) QCOMPARE(sparse[w][i], want);
            else QVERIFY(sparse[w][i] == 0.f || sparse[w][i] == want);
          }
        ++checked;
      }
    }
    QVERIFY(checked > 100);
    QCOMPARE(m.recordedRows(), static_cast<size_t>(checked));
    QVERIFY(steps >= 1);  // the mapping through common is exercised
    QVERIFY(m.hasDrill());
    QCOMPARE(m.drillLayer(), 2);
    // The tints of a query sum to the drill row's mass outside the prompt and the constant blocks: every pane
    // token is tinted at most once, and every token before the last statistics maps somewhere.
    const StatsEvent* last = nullptr;
    for (const auto& e : c.events)
      if (const auto* st = std::get_if<StatsEvent>(&e)) last = st;
    QVERIFY(last && !last->drill.empty());
    for (int q = 0; q < 2; ++q) {
      const auto t = m.tints(q);
      double pane_sum = 0;
      for (const auto& row : t)
        for (float v : row) pane_sum += v;
      double row_sum = 0;  // mass on common minus the prompt, and on the step blocks
      const auto& row = last->drill[static_cast<size_t>(q)];
      int64_t off = 0;
      for (size_t bl = 0; bl < last->block_lengths.size(); ++bl) {
        const int64_t len = last->block_lengths[bl];
        const std::string& name = last->block_names[bl];
        const int64_t from = bl == 0 ? static_cast<int64_t>(s.prompt_ids().size()) : 0;
        if (bl == 0 || name.rfind("step:", 0) == 0)
          for (int64_t i = from; i < len; ++i) row_sum += row[static_cast<size_t>(off + i)];
        off += len;
      }
      QVERIFY2(std::abs(pane_sum - row_sum) < 1e-4, qPrintable(QString("q%1: panes %2 vs row %3").arg(q).arg(pane_sum).arg(row_sum)));
      QVERIFY(pane_sum > 0);
    }
  }

  // The oracle: one QTextLayout per paragraph of the final text, at the view's width and font.
  static std::vector<int> oracleLineStarts(const TokenTextView& v) {
    std::vector<int> out;
    const QString& t = v.text();
    int start = 0;
    for (;;) {
      const int nl = static_cast<int>(t.indexOf('\n', start));
      const int end = nl < 0 ? static_cast<int>(t.size()) : nl;
      QTextLayout lay(t.mid(start, end - start), v.font(), v.viewport());
      QTextOption opt;
      opt.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
      lay.setTextOption(opt);
      QList<QTextLayout::FormatRange> formats;  // the bold runs change the widths: give the oracle the same
      for (int i = start; i < end; ++i) {
        const QTextCharFormat f = v.formatAt(i);
        if (f.fontWeight() == QFont::Bold) formats.append({i - start, 1, f});
      }
      lay.setFormats(formats);
      lay.beginLayout();
      for (QTextLine l = lay.createLine(); l.isValid(); l = lay.createLine()) {
        l.setLineWidth(v.layoutWidth());
        out.push_back(start + l.textStart());
      }
      lay.endLayout();
      if (nl < 0) break;
      start = nl + 1;
    }
    return out;
  }

  void textViewBreaksLinesLikeOneLayout() {
    TokenTextView v;
    v.setAccent(Qt::darkGreen);
    v.resize(260, 300);
    v.show();
    QRandomGenerator rng(7);
    const QStringList words{" the", " cat", " sat", " on", " a", " mat", ",", ".", " extraordinarily", " x",
                            " supercalifragilisticexpialidocious-and-then-some-more-letters", "\n", " é"};
    for (int batch = 0; batch < 300; ++batch) {
      const int n = 1 + rng.bounded(6);
      for (int i = 0; i < n; ++i) {
        const QString& w = words[rng.bounded(static_cast<int>(words.size()))];
        if (w == "\n" && rng.bounded(4) != 0) continue;  // long paragraphs, some newlines
        v.append(w, rng.bounded(5) == 0 ? TokenTextView::Style::Inserted : TokenTextView::Style::Plain);
      }
    }
    QVERIFY(v.segmentCount() > 20);  // the text was frozen into many segments
    QCOMPARE(v.lineStarts(), oracleLineStarts(v));
    // Another width: everything is laid out anew, and still breaks like the oracle.
    v.resize(410, 300);
    QCoreApplication::processEvents();
    QVERIFY(v.layoutWidth() > 300);
    QCOMPARE(v.lineStarts(), oracleLineStarts(v));
  }

  void textViewWithFallbackGlyphsKeepsEveryCharacter() {
    // Glyphs from a fallback font (emoji) are shaped a little differently depending on where a layout starts, so
    // a line next to one may break a word earlier or later than one layout of the whole paragraph would. Then the
    // weaker property must hold: lines cover the text in order and there are about as many.
    TokenTextView v;
    v.resize(260, 300);
    v.show();
    QRandomGenerator rng(11);
    const QStringList words{" the", " cat", " 😀", " extraordinarily", "😀😀", " é", ".", "\n"};
    for (int i = 0; i < 1500; ++i) {
      const QString& w = words[rng.bounded(static_cast<int>(words.size()))];
      if (w == "\n" && rng.bounded(8) != 0) continue;
      v.append(w, TokenTextView::Style::Plain);
    }
    const auto starts = v.lineStarts();
    QVERIFY(starts.size() > 50);
    QCOMPARE(starts.front(), 0);
    for (size_t i = 1; i < starts.size(); ++i) QVERIFY(starts[i] > starts[i - 1]);
    QVERIFY(starts.back() <= v.length());
    const auto oracle = oracleLineStarts(v);
    QVERIFY2(std::abs(static_cast<int>(starts.size()) - static_cast<int>(oracle.size())) * 20 <= static_cast<int>(oracle.size()),
             qPrintable(QString("%1 lines vs %2").arg(starts.size()).arg(oracle.size())));
  }

  void textViewAppendCostIsBounded() {
    // One long paragraph (a model that writes no newline): the text laid out per append must not grow with the
    // paragraph (QPlainTextEdit re-shaped the whole paragraph on every append: quadratic).
    TokenTextView v;
    v.resize(300, 200);
    v.show();
    qint64 first_half = 0;
    for (int i = 0; i < 2000; ++i) {
      if (i == 1000) first_half = v.laidOutChars();
      v.append(i % 7 == 0 ? QString(" word%1").arg(i) : QString(" tok"), TokenTextView::Style::Plain);
    }
    const qint64 second_half = v.laidOutChars() - first_half;
    QVERIFY2(second_half < first_half * 3 / 2, qPrintable(QString("%1 vs %2").arg(second_half).arg(first_half)));
    QVERIFY2(v.laidOutChars() < 60 * v.length(), qPrintable(QString("%1 chars laid out for %2").arg(v.laidOutChars()).arg(v.length())));
  }

  void tintsQueryAndStepAreDrawnAtTheTokens() {
    WorkerPane pane(1, "Bob");
    QVERIFY(showPane(pane));
    std::vector<TokenEvent> ev;
    for (int i = 0; i < 40; ++i) ev.push_back(tok(1, i % 9 == 8 ? " end.\n" : " word", 1));
    pane.appendTokens(pointers(ev));
    pane.setFinished(true);  // no step tint for now
    std::vector<float> w(40, 0.f);
    w[5] = 1.f;
    pane.setTokenTints(w, 1.f, 20);
    QCoreApplication::processEvents();
    const QImage img = pane.view()->viewport()->grab().toImage();
    auto orange = [](const QColor& c) { return c.red() > 200 && c.green() > 90 && c.green() < 170 && c.blue() < 80; };
    auto blue = [](const QColor& c) { return c.blue() > 170 && c.red() < 60; };
    QVERIFY(!pane.tokenRect(5).isEmpty() && !pane.tokenRect(20).isEmpty());
    QVERIFY2(tokenPixelShare(pane, img, 5, orange) > 0.4, qPrintable(QString::number(tokenPixelShare(pane, img, 5, orange))));
    QCOMPARE(tokenPixelShare(pane, img, 6, orange), 0.0);
    QVERIFY2(tokenPixelShare(pane, img, 20, blue) > 0.4, qPrintable(QString::number(tokenPixelShare(pane, img, 20, blue))));
    QCOMPARE(tokenPixelShare(pane, img, 19, blue), 0.0);
    // The unfinished step's tint covers the tokens of the current step only.
    TokenEvent s2 = tok(1, " next", 2);
    pane.setFinished(false);
    pane.appendTokens({&s2});
    pane.setTokenTints({}, 0.f);
    QCoreApplication::processEvents();
    const QImage img2 = pane.view()->viewport()->grab().toImage();
    auto tinted = [tint = worker_tint(1)](const QColor& c) { return c == tint; };
    QVERIFY2(tokenPixelShare(pane, img2, 40, tinted) > 0.4, qPrintable(QString::number(tokenPixelShare(pane, img2, 40, tinted))));
    QCOMPARE(tokenPixelShare(pane, img2, 39, tinted), 0.0);
  }

  void clicksHitTokensAndDragsSelect() {
    WorkerPane pane(0, "Alice");
    QVERIFY(showPane(pane));
    std::vector<TokenEvent> ev;
    for (int i = 0; i < 30; ++i) ev.push_back(tok(0, " w" + std::to_string(i), 1));
    pane.appendTokens(pointers(ev));
    QSignalSpy clicked(&pane, &WorkerPane::tokenClicked);
    QWidget* vp = pane.view()->viewport();
    for (int i : {0, 7, 29}) {
      const QRect r = pane.tokenRect(i);
      QTest::mouseClick(vp, Qt::LeftButton, {}, QPoint(r.right() - 2, r.center().y()));
      QCOMPARE(clicked.size(), 1);
      QCOMPARE(clicked.takeFirst().at(1).toInt(), i);
    }
    // Below the text: no token.
    QTest::mouseClick(vp, Qt::LeftButton, {}, QPoint(10, vp->height() - 3));
    QCOMPARE(clicked.size(), 0);
    // A drag selects text (for copying) and is not a click.
    const QRect a = pane.tokenRect(2), b = pane.tokenRect(4);
    QTest::mousePress(vp, Qt::LeftButton, {}, QPoint(a.left(), a.center().y()));
    QMouseEvent move(QEvent::MouseMove, QPointF(b.right(), b.center().y()), vp->mapToGlobal(QPointF(b.right(), b.center().y())),
                     Qt::NoButton, Qt::LeftButton, {});
    QCoreApplication::sendEvent(vp, &move);
    QTest::mouseRelease(vp, Qt::LeftButton, {}, QPoint(b.right(), b.center().y()));
    QCOMPARE(clicked.size(), 0);
    QCOMPARE(pane.view()->selectedText(), pane.tokenText(2) + pane.tokenText(3) + pane.tokenText(4));
    QTest::keyClick(pane.view(), Qt::Key_A, Qt::ControlModifier);
    QCOMPARE(pane.view()->selectedText(), pane.text());
  }

  void incrementalRepaintsEqualAFullPaint() {
    // Appends repaint only the lines that changed and scrolling blits: what is on screen (the window's backing
    // store, read back through the platform) must equal a fresh paint of the whole pane.
    WorkerPane pane(2, "Carol");
    pane.resize(360, 260);
    pane.show();
    QVERIFY(QTest::qWaitForWindowExposed(&pane));
    std::vector<TokenEvent> ev;
    // Steps change (a full repaint: the step tint moves) only in the first half; the last batches repaint and
    // scroll incrementally, so a stale strip would still be on screen at the end.
    for (int i = 0; i < 400; ++i) ev.push_back(tok(2, i % 37 == 36 ? ".\n" : (i % 5 ? " tok" : " word"), 1 + std::min(i, 200) / 90, i % 90 == 0 && i <= 200));
    std::vector<float> tint(400, 0.f);
    for (size_t b = 0; b < ev.size(); b += 13) {
      std::vector<const TokenEvent*> ptrs;
      for (size_t i = b; i < std::min(ev.size(), b + 13); ++i) ptrs.push_back(&ev[i]);
      pane.appendTokens(ptrs);
      if (b == 130) {  // a drill tint in the middle of the run
        for (int i = 100; i < 140; i += 3) tint[static_cast<size_t>(i)] = 0.5f;
        pane.setTokenTints(tint, 1.f, 120);
      }
      QCoreApplication::processEvents();
      QScrollBar* sb = pane.view()->verticalScrollBar();
      if (b == 260) sb->setValue(sb->value() - 37);  // the user scrolls up: appends below the view
      if (b == 312) sb->setValue(sb->maximum());     // and back down: following again
      QCoreApplication::processEvents();
    }
    QCoreApplication::processEvents();
    QScreen* screen = pane.screen();
    const QImage shown = screen->grabWindow(pane.winId()).toImage().convertToFormat(QImage::Format_RGB32);
    const QImage fresh = pane.grab().toImage().convertToFormat(QImage::Format_RGB32);
    QCOMPARE(shown.size(), fresh.size());
    int differ = 0;
    for (int y = 0; y < fresh.height(); ++y)
      for (int x = 0; x < fresh.width(); ++x) differ += shown.pixel(x, y) != fresh.pixel(x, y) ? 1 : 0;
    if (differ) {
      shown.save(QDir::temp().filePath("pane-shown.png"));
      fresh.save(QDir::temp().filePath("pane-fresh.png"));
    }
    QCOMPARE(differ, 0);
  }

  void footerUpdatesRepaintWithoutLayoutPasses() {
    // The footer changes with every batch: it asks the layout for room only when a text is wider than before.
    WorkerPane pane(0, "Alice");
    QVERIFY(showPane(pane));
    for (int i = 0; i < 500; ++i) pane.setStats(i, 100.0 + (i * 37) % 50);
    QCOMPARE(pane.footer()->text(), QString("499 tokens · 113.0 tok/s"));
    QVERIFY2(pane.footer()->geometryRequests() <= 6, qPrintable(QString::number(pane.footer()->geometryRequests())));
    QCoreApplication::processEvents();
    QVERIFY(pane.footer()->width() >= pane.footer()->fontMetrics().horizontalAdvance(pane.footer()->text()));
  }
};

QTEST_MAIN(TestWorkerPane)
#include "test_worker_pane.moc"
