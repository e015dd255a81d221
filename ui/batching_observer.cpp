#include "batching_observer.h"

#include <utility>

namespace hogwild::ui {

void BatchingObserver::on_event(const EngineEvent& e) { events_.push_back(e); }

std::vector<EngineEvent> BatchingObserver::take() {
  std::vector<EngineEvent> out;
  out.swap(events_);
  return out;
}

}  // namespace hogwild::ui
