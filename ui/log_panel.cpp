#include "log_panel.h"

#include <QDateTime>
#include <QTimer>

#include "common/log.h"
#include "qt_log_sink.h"

namespace hogwild::ui {

LogPanel::LogPanel(QWidget* parent) : QPlainTextEdit(parent), queue_(std::make_shared<LogQueue>()) {
  setReadOnly(true);
  setMaximumBlockCount(5000);
  setFont(QFont("DejaVu Sans Mono", font().pointSize()));
  auto sink = std::make_shared<QtLogSink>(queue_);
  sink->set_pattern("%H:%M:%S [%n] %l: %v");
  add_log_sink(sink);
  auto* t = new QTimer(this);
  connect(t, &QTimer::timeout, this, &LogPanel::drain);
  t->start(100);
}

LogPanel::~LogPanel() { queue_->detach(); }

void LogPanel::appendLine(const QString& line) {
  appendPlainText(QDateTime::currentDateTime().toString("HH:mm:ss") + " [ui] " + line);
}

void LogPanel::drain() {
  for (const std::string& l : queue_->drain()) appendPlainText(QString::fromStdString(l));
}

}  // namespace hogwild::ui
