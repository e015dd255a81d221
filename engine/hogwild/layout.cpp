#include "hogwild/layout.h"

#include <algorithm>

#include "common/error.h"

namespace hogwild {

const char* layout_name(LayoutKind kind) {
  switch (kind) {
    case LayoutKind::Contiguous: return "contiguous";
    case LayoutKind::Interleaved: return "interleaved";
    case LayoutKind::Combined: return "combined";
  }
  return "?";
}

LayoutKind parse_layout(const std::string& name) {
  for (LayoutKind k : {LayoutKind::Contiguous, LayoutKind::Interleaved, LayoutKind::Combined})
    if (name == layout_name(k)) return k;
  throw ConfigError("unknown cache layout '" + name + "' (expected contiguous, interleaved or combined)");
}

int Layout::add(BlockRole role, int owner, std::string name, bool constant) {
  blocks_.push_back(BlockInfo{role, owner, std::move(name), constant});
  return static_cast<int>(blocks_.size()) - 1;
}

Layout::Layout(LayoutKind kind, int workers) : kind_(kind), workers_(workers) {
  if (workers < 1 || workers > kMaxWorkers)
    throw ConfigError("the number of workers must be between 1 and " + std::to_string(kMaxWorkers) + ", got " +
                      std::to_string(workers));
  const auto w_name = [](const char* prefix, int w) { return std::string(prefix) + std::to_string(w); };
  own_.assign(static_cast<size_t>(workers), -1);
  views_.assign(static_cast<size_t>(workers), {});

  switch (kind) {
    case LayoutKind::Contiguous: {
      // §4.1: prompt, B_j for j≠i ascending, split, B_i.
      const int prompt = add(BlockRole::Prompt, -1, "prompt", false);
      for (int w = 0; w < workers; ++w) own_[w] = add(BlockRole::Workspace, w, w_name("ws:", w), false);
      const int split = add(BlockRole::Split, -1, "split", true);
      for (int i = 0; i < workers; ++i) {
        auto& v = views_[i];
        v.push_back(prompt);
        for (int j = 0; j < workers; ++j)
          if (j != i) v.push_back(own_[j]);
        v.push_back(split);
        v.push_back(own_[i]);
      }
      break;
    }
    case LayoutKind::Interleaved: {
      // §4.2: common, step_i. The other workers' steps are absent (fully masked).
      const int common = add(BlockRole::Common, -1, "common", false);
      for (int w = 0; w < workers; ++w) own_[w] = add(BlockRole::Step, w, w_name("step:", w), false);
      for (int i = 0; i < workers; ++i) views_[i] = {common, own_[i]};
      break;
    }
    case LayoutKind::Combined: {
      // §12a: common, hdr_others, [step_j, marker_j for j≠i ascending], hdr_own, step_i.
      const int common = add(BlockRole::Common, -1, "common", false);
      const int hdr_others = add(BlockRole::HdrOthers, -1, "hdr_others", true);
      std::vector<int> marker(static_cast<size_t>(workers));
      for (int w = 0; w < workers; ++w) {
        own_[w] = add(BlockRole::Step, w, w_name("step:", w), false);
        marker[w] = add(BlockRole::Marker, w, w_name("marker:", w), true);
      }
      const int hdr_own = add(BlockRole::HdrOwn, -1, "hdr_own", true);
      for (int i = 0; i < workers; ++i) {
        auto& v = views_[i];
        v = {common, hdr_others};
        for (int j = 0; j < workers; ++j)
          if (j != i) {
            v.push_back(own_[j]);
            v.push_back(marker[j]);
          }
        v.push_back(hdr_own);
        v.push_back(own_[i]);
      }
      break;
    }
  }
}

int Layout::find_block(BlockRole role, int worker) const {
  for (size_t id = 0; id < blocks_.size(); ++id) {
    const BlockInfo& b = blocks_[id];
    if (b.role == role && (b.owner == -1 || b.owner == worker)) return static_cast<int>(id);
  }
  return -1;
}

int Layout::block_id(BlockRole role, int worker) const {
  const int id = find_block(role, worker);
  if (id < 0)
    throw ConfigError(std::string("the ") + layout_name(kind_) + " layout has no such block (role " +
                      std::to_string(static_cast<int>(role)) + ", worker " + std::to_string(worker) + ")");
  return id;
}

bool Layout::in_view(int block, int worker) const {
  const auto& v = view(worker);
  return std::find(v.begin(), v.end(), block) != v.end();
}

std::string Layout::merge_overflow(const std::vector<int64_t>& lengths, int worker, int64_t n, int64_t max_context) const {
  std::vector<int64_t> after = lengths;
  after.at(static_cast<size_t>(first_block())) += n;
  after.at(static_cast<size_t>(own_block(worker))) -= n;
  for (int w = 0; w < workers_; ++w) {
    int64_t len = 0;
    for (int id : view(w)) len += after.at(static_cast<size_t>(id));
    if (len > max_context)
      return "context full: merging worker " + std::to_string(worker + 1) + "'s finished step would make worker " +
             std::to_string(w + 1) + "'s view " + std::to_string(len) + " tokens, the model's context is " +
             std::to_string(max_context);
  }
  return "";
}

}  // namespace hogwild
