#pragma once
// Cache layouts: which blocks exist and the order in which each worker sees them (its view).
// hogwild-method.md §4.1 (contiguous), §4.2 (interleaved), §4.3 + §12a (combined, any W).
//
// Block ids are fixed for the life of a layout; every per-block array of the engine (locations,
// statistics, lengths) is indexed by them. Id order ("block order") is the text order of the response
// assembly (§8.8), so that heatmap columns read naturally:
//   contiguous  : prompt, ws:0 .. ws:W-1, split                                   F = W + 2
//   interleaved : common, step:0 .. step:W-1                                      F = W + 1
//   combined    : common, hdr_others, step:0, marker:0, .., step:W-1, marker:W-1, hdr_own   F = 2W + 3
// Views (worker i, 0-based; "j≠i" ascending):
//   contiguous  : prompt, ws:j (j≠i), split, ws:i
//   interleaved : common, step:i
//   combined    : common, hdr_others, [step:j, marker:j] (j≠i), hdr_own, step:i   (marker:i absent)
// A block absent from a view is fully masked for that worker. The own block is always last.
#include <cstdint>
#include <string>
#include <vector>

namespace hogwild {

enum class LayoutKind : uint8_t { Contiguous, Interleaved, Combined };

// "contiguous", "interleaved", "combined".
const char* layout_name(LayoutKind kind);
// Inverse of layout_name; throws ConfigError naming the accepted values.
LayoutKind parse_layout(const std::string& name);

enum class BlockRole : uint8_t {
  Common,     // prompt + history of finished steps (interleaved, combined)
  HdrOthers,  // "### Work in progress (others)\n\n" (combined; constant)
  HdrOwn,     // "### Work in progress (own)\n\n" (combined; constant)
  Marker,     // "<...>\n\n" after step j (combined; one per worker; constant)
  Step,       // current step of a worker (interleaved, combined; own block)
  Prompt,     // prompt (contiguous)
  Split,      // " <the assistant will continue here>\n\n" (contiguous; constant)
  Workspace,  // a worker's whole output (contiguous; own block)
};

struct BlockInfo {
  BlockRole role = BlockRole::Common;
  int owner = -1;        // 0-based worker for Step/Workspace/Marker, -1 for shared blocks
  std::string name;      // "common", "hdr_others", "hdr_own", "marker:<w>", "step:<w>", "prompt", "split", "ws:<w>"
  bool constant = false; // prefilled once, never written by worker passes (headers, markers, split)
};

class Layout {
 public:
  static constexpr int kMaxWorkers = 8;

  Layout() : Layout(LayoutKind::Combined, 2) {}
  // workers: 1..kMaxWorkers (ConfigError otherwise).
  Layout(LayoutKind kind, int workers);

  LayoutKind kind() const { return kind_; }
  int workers() const { return workers_; }
  int num_blocks() const { return static_cast<int>(blocks_.size()); }
  const std::vector<BlockInfo>& blocks() const { return blocks_; }
  const BlockInfo& block(int id) const { return blocks_.at(static_cast<size_t>(id)); }

  // Id of the block with this role (and owner for per-worker roles); -1 when the layout has none.
  int find_block(BlockRole role, int worker = -1) const;
  // Same, but throws ConfigError when the layout has no such block.
  int block_id(BlockRole role, int worker = -1) const;
  // The block worker w writes its new tokens into (step:w, or ws:w in contiguous).
  int own_block(int worker) const { return own_.at(static_cast<size_t>(worker)); }
  // The block every view starts with and that receives merged steps (common, or prompt in contiguous).
  int first_block() const { return 0; }
  // Block ids in the view order of worker w (absent blocks are not listed).
  const std::vector<int>& view(int worker) const { return views_.at(static_cast<size_t>(worker)); }
  bool in_view(int block, int worker) const;
  // True for interleaved and combined: own blocks are steps that merge into common (§6, §12b).
  bool has_steps() const { return kind_ != LayoutKind::Contiguous; }
  // Context check of a step merge (§6): moving the first n tokens of worker's own block into common grows the
  // views that contain common but not that block (interleaved: every other worker's). Given the block lengths
  // before the merge, returns "" when every view stays within max_context, else the one-line reason
  // ("context full: merging …"). Both caches call it before changing anything.
  std::string merge_overflow(const std::vector<int64_t>& lengths, int worker, int64_t n, int64_t max_context) const;

 private:
  int add(BlockRole role, int owner, std::string name, bool constant);

  LayoutKind kind_;
  int workers_;
  std::vector<BlockInfo> blocks_;
  std::vector<int> own_;                 // [W] own block id
  std::vector<std::vector<int>> views_;  // [W] block ids in view order
};

}  // namespace hogwild
