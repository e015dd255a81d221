#pragma once
// Worker colours, shared by panes, the shared history, the heatmap labels and the exports. Chosen to be told
// apart on a projector (Okabe-Ito-like hues, dark enough for bold text on white).
#include <QColor>

namespace hogwild::ui {

QColor worker_color(int worker);       // saturated: headers, bold step prefixes
QColor worker_tint(int worker);        // very light: backgrounds (shared history, current step)

}  // namespace hogwild::ui
