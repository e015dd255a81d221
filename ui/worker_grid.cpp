#include "worker_grid.h"

#include <QGridLayout>

#include "worker_pane.h"

namespace hogwild::ui {

WorkerGrid::WorkerGrid(QWidget* parent) : QWidget(parent), grid_(new QGridLayout(this)) {
  grid_->setContentsMargins(0, 0, 0, 0);
  grid_->setSpacing(6);
}

void WorkerGrid::setWorkers(const QStringList& names, const QStringList* vocab) {
  for (WorkerPane* p : panes_) delete p;
  panes_.clear();
  const int cols = std::max(1, columnsFor(static_cast<int>(names.size())));
  for (int c = 0; c < 4; ++c) grid_->setColumnStretch(c, c < cols ? 1 : 0);
  for (int w = 0; w < names.size(); ++w) {
    auto* p = new WorkerPane(w, names[w], this);
    p->setVocab(vocab);
    p->setTextScale(presentation_ ? (names.size() > 4 ? 1.3 : 1.45) : 1.15);
    p->setFooterVisible(!presentation_);
    connect(p, &WorkerPane::tokenClicked, this, &WorkerGrid::tokenClicked);
    grid_->addWidget(p, w / cols, w % cols);
    panes_.push_back(p);
  }
}

double WorkerGrid::textScale() const { return presentation_ ? (panes_.size() > 4 ? 1.3 : 1.45) : 1.15; }

void WorkerGrid::setPresentation(bool on) {
  presentation_ = on;
  for (WorkerPane* p : panes_) {
    p->setTextScale(textScale());
    p->setFooterVisible(!on);
  }
}

}  // namespace hogwild::ui
