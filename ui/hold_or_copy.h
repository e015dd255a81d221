#pragma once
// Views that keep the newest statistics of a live batch hold them by the batch (an aliasing shared_ptr: no copy,
// the batch is immutable); events without an owner (a replay from a session record) are copied. Plain C++.
#include <memory>

namespace hogwild::ui {

template <class T>
std::shared_ptr<const T> hold_or_copy(const T& v, const std::shared_ptr<const void>& owner) {
  return owner ? std::shared_ptr<const T>(owner, &v) : std::make_shared<const T>(v);
}

}  // namespace hogwild::ui
