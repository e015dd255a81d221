#pragma once
// Collects engine events on the engine thread until the runner cuts a batch. Never one signal per token: at GPU
// speeds that would swamp the GUI's event loop (docs/architecture.md), so the runner takes the collected events
// at most ~60 times a second.
#include <vector>

#include "hogwild/events.h"

namespace hogwild::ui {

class BatchingObserver : public EventObserver {
 public:
  void on_event(const EngineEvent& e) override;
  bool empty() const { return events_.empty(); }
  // Moves the collected events out (the observer is empty afterwards).
  std::vector<EngineEvent> take();

 private:
  std::vector<EngineEvent> events_;
};

}  // namespace hogwild::ui
