#include "lab_charts.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include <QAreaSeries>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QBoxPlotSeries>
#include <QBoxSet>
#include <QBuffer>
#include <QChart>
#include <QChartView>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImage>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPainter>
#include <QSvgGenerator>
#include <QValueAxis>

#include "common/atomic_file.h"
#include "common/error.h"

namespace hogwild::ui {

namespace {

QString arm_label(const lab::ArmReport& a) { return QString::fromStdString(a.arm.name); }

QChart* new_chart(const QString& title) {
  auto* c = new QChart;
  c->setTitle(title);
  c->setAnimationOptions(QChart::NoAnimation);
  c->legend()->setAlignment(Qt::AlignBottom);
  c->setMargins(QMargins(6, 6, 6, 6));
  return c;
}

// Quartiles by linear interpolation between order statistics (the "type 7" definition of R and NumPy).
double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos)), hi = static_cast<size_t>(std::ceil(pos));
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

// Category labels of arms: smaller and slanted when there are several, so that names like "independent W2" fit.
void small_labels(QBarCategoryAxis* x, qsizetype categories) {
  if (categories <= 2) return;
  QFont f = x->labelsFont();
  f.setPointSizeF(f.pointSizeF() * 0.85);
  x->setLabelsFont(f);
  x->setLabelsAngle(-30);
}

}  // namespace

std::optional<LabPlotKind> lab_plot_kind_from_string(const QString& s) {
  if (s == "accuracy") return LabPlotKind::Accuracy;
  if (s == "tokens") return LabPlotKind::Tokens;
  if (s == "redundancy") return LabPlotKind::Redundancy;
  if (s == "all") return LabPlotKind::All;
  return std::nullopt;
}

QColor lab_arm_color(int index) {
  static const QColor colors[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xd6, 0x27, 0x28), QColor(0x2c, 0xa0, 0x2c),
                                  QColor(0xff, 0x7f, 0x0e), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b),
                                  QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f), QColor(0xbc, 0xbd, 0x22),
                                  QColor(0x17, 0xbe, 0xcf)};
  return colors[static_cast<size_t>(std::max(0, index)) % std::size(colors)];
}

QChart* make_accuracy_chart(const lab::LabReport& r) {
  QChart* chart = new_chart(QObject::tr("Accuracy vs forward-pass budget (95 % Wilson bands)"));
  auto* x = new QLogValueAxis;
  x->setBase(2.0);
  x->setLabelFormat("%d");
  x->setTitleText(QObject::tr("budget (forward passes, log2)"));
  const double lo = r.checkpoints.empty() ? 1.0 : static_cast<double>(r.checkpoints.front());
  const double hi = r.checkpoints.empty() ? 2.0 : static_cast<double>(r.checkpoints.back());
  x->setRange(lo / std::sqrt(2.0), hi * std::sqrt(2.0));
  x->setMinorTickCount(0);
  auto* y = new QValueAxis;
  y->setRange(0.0, 1.0);
  y->setTickCount(6);
  y->setLabelFormat("%.1f");
  y->setTitleText(QObject::tr("accuracy"));
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  for (size_t i = 0; i < r.arms.size(); ++i) {
    const lab::ArmReport& a = r.arms[i];
    const QColor color = lab_arm_color(static_cast<int>(i));
    auto* upper = new QLineSeries;
    auto* lower = new QLineSeries;
    auto* line = new QLineSeries;
    for (const lab::AccuracyPoint& p : a.curve) {
      if (p.n == 0) continue;
      upper->append(static_cast<double>(p.budget), p.ci.high);
      lower->append(static_cast<double>(p.budget), p.ci.low);
      line->append(static_cast<double>(p.budget), p.accuracy);
    }
    auto* band = new QAreaSeries(upper, lower);
    upper->setParent(band);  // QAreaSeries does not take ownership of its edge series (Qt docs): the band owns them
    lower->setParent(band);
    QColor fill = color;
    fill.setAlpha(45);
    band->setBrush(fill);
    band->setPen(Qt::NoPen);
    band->setName(arm_label(a) + QObject::tr(" (95 % CI)"));
    chart->addSeries(band);
    band->attachAxis(x);
    band->attachAxis(y);
    line->setName(arm_label(a));
    // Dashes differ per arm, so curves that coincide (e.g. all at 0) stay visible under each other.
    static const Qt::PenStyle styles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine};
    QPen pen(color, 2.2);
    pen.setStyle(styles[i % std::size(styles)]);
    line->setPen(pen);
    line->setPointsVisible(true);
    line->setProperty("arm", static_cast<int>(i));
    chart->addSeries(line);
    line->attachAxis(x);
    line->attachAxis(y);
    for (QLegendMarker* m : chart->legend()->markers(band)) m->setVisible(false);  // the band shares the curve's entry
  }
  return chart;
}

QChart* make_tokens_chart(const lab::LabReport& r) {
  QChart* chart = new_chart(QObject::tr("Tokens to the first correct answer (solved runs)"));
  auto* series = new QBoxPlotSeries;
  QStringList categories, solved;
  double top = 0;
  for (size_t i = 0; i < r.arms.size(); ++i) {
    const lab::ArmReport& a = r.arms[i];
    const QString label = arm_label(a);
    categories << label;
    solved << QString::number(a.tokens_to_first_correct.size());
    auto* set = new QBoxSet(label);
    if (!a.tokens_to_first_correct.empty()) {
      const std::vector<double> v(a.tokens_to_first_correct.begin(), a.tokens_to_first_correct.end());
      set->setValue(QBoxSet::LowerExtreme, quantile(v, 0.0));
      set->setValue(QBoxSet::LowerQuartile, quantile(v, 0.25));
      set->setValue(QBoxSet::Median, quantile(v, 0.5));
      set->setValue(QBoxSet::UpperQuartile, quantile(v, 0.75));
      set->setValue(QBoxSet::UpperExtreme, quantile(v, 1.0));
      top = std::max(top, quantile(v, 1.0));
    }
    QColor fill = lab_arm_color(static_cast<int>(i));
    fill.setAlpha(150);
    set->setBrush(fill);
    series->append(set);
  }
  series->setName(QObject::tr("tokens (all workers)"));
  chart->addSeries(series);
  auto* x = new QBarCategoryAxis;
  x->append(categories);
  x->setTitleText(QObject::tr("solved runs: %1").arg(solved.join(QStringLiteral(" · "))));
  small_labels(x, categories.size());
  auto* y = new QValueAxis;
  y->setRange(0, top > 0 ? top * 1.1 : 100.0);
  y->applyNiceNumbers();
  y->setLabelFormat("%.0f");
  y->setTitleText(QObject::tr("tokens generated"));
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  series->attachAxis(x);
  series->attachAxis(y);
  chart->legend()->setVisible(false);
  return chart;
}

QChart* make_redundancy_chart(const lab::LabReport& r) {
  QChart* chart = new_chart(QObject::tr("Redundant steps and attention on others' blocks"));
  auto* redundancy = new QBarSet(QObject::tr("redundancy"));
  auto* attention = new QBarSet(QObject::tr("attention on others"));
  redundancy->setColor(QColor(0xd6, 0x27, 0x28));
  attention->setColor(QColor(0x1f, 0x77, 0xb4));
  QStringList categories;
  for (const lab::ArmReport& a : r.arms) {
    categories << arm_label(a);
    *redundancy << (std::isnan(a.redundancy) ? 0.0 : a.redundancy);
    *attention << (std::isnan(a.attention_on_others) ? 0.0 : a.attention_on_others);
  }
  auto* series = new QBarSeries;
  series->append(redundancy);
  series->append(attention);
  series->setLabelsVisible(true);
  series->setLabelsFormat("@value");
  series->setLabelsPrecision(2);
  chart->addSeries(series);
  auto* x = new QBarCategoryAxis;
  x->append(categories);
  small_labels(x, categories.size());
  auto* y = new QValueAxis;
  y->setRange(0.0, 1.0);
  y->setTickCount(6);
  y->setLabelFormat("%.1f");
  y->setTitleText(QObject::tr("share (n/a shown as 0)"));
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  series->attachAxis(x);
  series->attachAxis(y);
  return chart;
}

QWidget* make_lab_plot_widget(const lab::LabReport& r, LabPlotKind kind, QWidget* parent) {
  auto view = [&](QChart* c, QWidget* p) {
    auto* v = new QChartView(c, p);
    v->setRenderHint(QPainter::Antialiasing);
    return v;
  };
  switch (kind) {
    case LabPlotKind::Accuracy: return view(make_accuracy_chart(r), parent);
    case LabPlotKind::Tokens: return view(make_tokens_chart(r), parent);
    case LabPlotKind::Redundancy: return view(make_redundancy_chart(r), parent);
    case LabPlotKind::All: break;
  }
  auto* w = new QWidget(parent);
  auto* lay = new QHBoxLayout(w);
  lay->setContentsMargins(0, 0, 0, 0);
  lay->addWidget(view(make_accuracy_chart(r), w), 3);
  lay->addWidget(view(make_tokens_chart(r), w), 2);
  lay->addWidget(view(make_redundancy_chart(r), w), 2);
  return w;
}

void render_lab_plot(const lab::LabReport& r, LabPlotKind kind, const QString& path, QSize size) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix != "png" && suffix != "svg") throw ConfigError(path.toStdString() + ": the plot file must end in .png or .svg");
  std::unique_ptr<QWidget> w(make_lab_plot_widget(r, kind));
  w->resize(size);  // render() delivers the pending resize events, which lay the charts out
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  if (suffix == "png") {
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    {
      QPainter p(&image);
      p.setRenderHint(QPainter::Antialiasing);
      w->render(&p);
    }
    if (!image.save(&buffer, "PNG")) throw ConfigError(path.toStdString() + ": cannot encode the PNG");
  } else {
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(QObject::tr("Hogwild Studio lab: %1").arg(QString::fromStdString(r.experiment.name)));
    QPainter p(&svg);
    w->render(&p);
  }
  buffer.close();
  write_file_atomically(path.toStdString(), std::string_view(bytes.constData(), static_cast<size_t>(bytes.size())), "the plot");
}

}  // namespace hogwild::ui
