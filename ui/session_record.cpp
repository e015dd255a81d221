#include "session_record.h"

namespace hogwild::ui {

QString SessionRecord::workerText(int w) const {
  std::string s;
  for (const auto& e : events)
    if (const auto* t = std::get_if<TokenEvent>(&e); t && t->worker == w) s += t->text;
  return QString::fromStdString(s);
}

QString SessionRecord::history() const {
  std::string s;
  for (const auto& e : events)
    if (const auto* f = std::get_if<StepFinishedEvent>(&e)) s += f->text;
  return QString::fromStdString(s);
}

const FinishedEvent* SessionRecord::finished() const {
  for (auto it = events.rbegin(); it != events.rend(); ++it)
    if (const auto* f = std::get_if<FinishedEvent>(&*it)) return f;
  return nullptr;
}

qint64 SessionRecord::passes() const {
  if (const FinishedEvent* f = finished()) return f->passes;
  qint64 n = 0;
  for (const auto& e : events)
    if (const auto* s = std::get_if<StatsEvent>(&e)) n = std::max<qint64>(n, s->pass + 1);
  return n;
}

}  // namespace hogwild::ui
