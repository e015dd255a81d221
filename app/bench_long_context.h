#pragma once
// The long-context part of hogwild-bench (--long-prompt N): prefill of an N-token prompt and decode at that
// depth, for the plain causal cache and for the Hogwild block cache (prompt in `common`, prefilled in chunks like
// the session; then W workers in lock-step, combined layout). Every row also reports the wall time spent inside
// the attention (AttentionCache::attend), so the attention share of a prefill or a decode step is measured,
// not guessed.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hogwild {

struct LongContextOptions {
  std::string model;             // GGUF (or llama2.c) file
  int prompt_tokens = 0;         // N
  int decode_tokens = 32;        // decode steps (passes) timed at depth N
  int prefill_chunk = 512;       // Hogwild prefill: tokens per forward pass (SessionOptions::prefill_chunk)
  std::vector<int> workers{2, 4};  // Hogwild decode rows (each prefills its own cache)
  bool plain = true, hogwild = true;
  bool attention_only = false;     // --long-attention-only: the caches with random q/k/v, no model forward
  int threads = 0;
};

// Consumes one command-line option of this bench (--long-prompt, --long-model, --long-decode, --long-workers,
// --long-caches, --prefill-chunk, --long-attention-only); `value` returns the option's argument. False when `arg` is not one of them.
bool parse_long_context_option(const std::string& arg, const std::function<std::string()>& value, LongContextOptions& o);

// Prints a table; returns the rows as JSON.
nlohmann::json bench_long_context(const LongContextOptions& o);

}  // namespace hogwild
