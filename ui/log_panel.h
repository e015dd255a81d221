#pragma once
// The log panel: engine and UI log lines (spdlog, through QtLogSink's queue), drained on the GUI thread every
// 100 ms, plus lines the window adds itself (errors, file actions).
#include <memory>

#include <QPlainTextEdit>

namespace hogwild::ui {

class LogQueue;

class LogPanel : public QPlainTextEdit {
  Q_OBJECT
 public:
  explicit LogPanel(QWidget* parent = nullptr);
  ~LogPanel() override;
  void appendLine(const QString& line);

 private:
  void drain();
  std::shared_ptr<LogQueue> queue_;
};

}  // namespace hogwild::ui
