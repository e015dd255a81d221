#include "worker_palette.h"

#include <array>

namespace hogwild::ui {

namespace {
constexpr std::array<QRgb, 8> kColors = {0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0x7B4EA3, 0xB8860B, 0x56B4E9, 0x8B0000};
}

QColor worker_color(int worker) {
  return QColor::fromRgb(kColors[static_cast<size_t>((worker < 0 ? 0 : worker) % static_cast<int>(kColors.size()))]);
}

QColor worker_tint(int worker) {
  QColor c = worker_color(worker);
  // Mix 12% of the colour into white.
  return QColor(255 - (255 - c.red()) * 12 / 100, 255 - (255 - c.green()) * 12 / 100, 255 - (255 - c.blue()) * 12 / 100);
}

}  // namespace hogwild::ui
