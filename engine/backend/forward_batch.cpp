#include "backend/forward_batch.h"

#include <algorithm>

#include "common/error.h"

namespace hogwild {

ForwardBatch ForwardBatch::from_rows(const std::vector<std::vector<int32_t>>& rows) {
  ForwardBatch b;
  b.rows = static_cast<int>(rows.size());
  b.len = 0;
  for (const auto& r : rows) {
    if (r.empty()) throw ConfigError("forward batch: every row needs at least one token");
    b.len = std::max(b.len, static_cast<int>(r.size()));
  }
  b.tokens.assign(static_cast<size_t>(b.rows) * b.len, kPad);
  for (int i = 0; i < b.rows; ++i) {
    const auto& r = rows[static_cast<size_t>(i)];
    std::copy(r.begin(), r.end(), b.tokens.begin() + static_cast<ptrdiff_t>(i) * b.len + (b.len - static_cast<int>(r.size())));
  }
  return b;
}

}  // namespace hogwild
