#include "bench_long_context.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <ctime>
#include <span>
#include <utility>

#include "common/error.h"
#include "cpu/attention_kernels.h"
#include "model/rope.h"
#include "cpu/sequence_cache.h"
#include "cpu/transformer.h"
#include "hogwild/hogwild_attention.h"
#include "model/model.h"
#include "sampling/sampler.h"

namespace hogwild {

namespace {

using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
// CPU time of the whole process (all threads): on a machine shared with other jobs it is far steadier than the
// wall clock, which also counts waiting for a core.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Wall and CPU time of a region.
struct Timer {
  Clock::time_point wall0 = Clock::now();
  double cpu0 = cpu_seconds();
  double wall() const { return seconds(wall0); }
  double cpu() const { return cpu_seconds() - cpu0; }
};

// Forwards to a cache and adds up the wall time of attend() (K/V append + attention of one layer).
class TimedAttention : public AttentionCache {
 public:
  explicit TimedAttention(AttentionCache& inner) : inner_(inner) {}
  void begin_pass(const ForwardBatch& b) override { inner_.begin_pass(b); }
  void attend(int layer, float* q, float* k, const float* v, float* out) override {
    const Timer t;
    inner_.attend(layer, q, k, v, out);
    wall_s_ += t.wall();
    cpu_s_ += t.cpu();
  }
  void end_pass() override { inner_.end_pass(); }
  // Adds the attention time since the last call to the row and the total time of the region to it.
  void finish(const Timer& region, struct Row& r);

 private:
  AttentionCache& inner_;
  double wall_s_ = 0, cpu_s_ = 0;
};

struct Row {
  std::string cache, phase;
  int workers = 1;
  int64_t tokens = 0;   // prompt tokens (prefill) or passes (decode)
  double total_s = 0, attention_s = 0;          // wall
  double total_cpu_s = 0, attention_cpu_s = 0;  // CPU time, all threads
};

void TimedAttention::finish(const Timer& region, Row& r) {
  r.total_s = region.wall();
  r.total_cpu_s = region.cpu();
  r.attention_s = std::exchange(wall_s_, 0.0);
  r.attention_cpu_s = std::exchange(cpu_s_, 0.0);
}

std::vector<int32_t> prompt_ids(int n, int vocab) {
  std::vector<int32_t> ids(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) ids[static_cast<size_t>(i)] = 1 + static_cast<int32_t>((static_cast<int64_t>(i) * 7919) % (vocab - 1));
  return ids;
}

void print(const Row& r) {
  const bool prefill = r.phase == "prefill";
  const double per = prefill ? r.tokens / r.total_s : r.total_s * 1e3 / r.tokens;
  std::printf("%-8s %-8s %3d %8lld %10.3f %12.3f %7.1f%% %10.3f %12.3f %7.1f%% %12.2f %s\n", r.cache.c_str(),
              r.phase.c_str(), r.workers, static_cast<long long>(r.tokens), r.total_s, r.attention_s,
              100.0 * r.attention_s / r.total_s, r.total_cpu_s, r.attention_cpu_s, 100.0 * r.attention_cpu_s / r.total_cpu_s,
              per, prefill ? "tok/s" : "ms/pass");
}

nlohmann::json to_json(const Row& r) {
  return {{"cache", r.cache}, {"phase", r.phase}, {"workers", r.workers}, {"tokens", r.tokens}, {"seconds", r.total_s},
          {"attention_seconds", r.attention_s}, {"cpu_seconds", r.total_cpu_s}, {"attention_cpu_seconds", r.attention_cpu_s}};
}

// What runs a pass: the model's forward pass, or (--long-attention-only) the caches alone with random q/k/v of
// the model's shape, which isolates the attention from the matmuls (steadier timings, callgrind-sized runs).
class Engine {
 public:
  Engine(const Model& m, const LongContextOptions& o) : c_(m.config), attention_only_(o.attention_only) {
    if (attention_only_) pool_ = std::make_unique<ThreadPool>(o.threads);
    else tf_ = std::make_unique<cpu::Transformer>(m, o.threads);
  }
  ThreadPool& pool() { return tf_ ? tf_->pool() : *pool_; }
  // Fills logits (rows × vocab) unless null; attention-only passes leave them at 0 (argmax: token 0).
  void forward(const ForwardBatch& b, AttentionCache& cache, float* logits) {
    if (tf_) return tf_->forward(b, cache, logits);
    const size_t slots = static_cast<size_t>(b.rows) * b.len, qd = static_cast<size_t>(c_.n_heads) * c_.head_dim,
                 kvd = static_cast<size_t>(c_.n_kv_heads) * c_.head_dim;
    if (q_.size() < slots * qd) {  // random activations, made once per size (the caches rotate copies)
      std::mt19937 rng(7);
      std::normal_distribution<float> d(0.f, 1.f);
      for (auto* x : {&q_, &k_, &v_}) {
        x->resize(slots * (x == &q_ ? qd : kvd));
        for (auto& e : *x) e = d(rng);
      }
    }
    qs_.assign(q_.begin(), q_.begin() + static_cast<ptrdiff_t>(slots * qd));
    ks_.resize(slots * kvd);
    out_.resize(slots * qd);
    cache.begin_pass(b);
    for (int l = 0; l < c_.n_layers; ++l) {
      std::copy_n(q_.begin(), slots * qd, qs_.begin());
      std::copy_n(k_.begin(), slots * kvd, ks_.begin());
      cache.attend(l, qs_.data(), ks_.data(), v_.data(), out_.data());
    }
    cache.end_pass();
    if (logits) std::fill_n(logits, static_cast<size_t>(b.rows) * c_.vocab_size, 0.f);
  }

 private:
  const ModelConfig& c_;
  bool attention_only_;
  std::unique_ptr<cpu::Transformer> tf_;
  std::unique_ptr<ThreadPool> pool_;
  std::vector<float> q_, k_, v_, qs_, ks_, out_;
};

// Plain causal cache: the whole prompt in one forward call (like Generator), then greedy decode at that depth.
std::vector<Row> run_plain(const Model& m, const LongContextOptions& o) {
  const ModelConfig& c = m.config;
  Engine engine(m, o);
  cpu::SequenceCache cache(c, 1, c.context_length, &engine.pool());
  TimedAttention timed(cache);
  std::vector<float> logits(static_cast<size_t>(c.vocab_size));
  Row pre{"plain", "prefill", 1, o.prompt_tokens};
  const Timer t_pre;
  engine.forward(ForwardBatch::from_rows({prompt_ids(o.prompt_tokens, c.vocab_size)}), timed, logits.data());
  timed.finish(t_pre, pre);
  Row dec{"plain", "decode", 1, o.decode_tokens};
  const Timer t_dec;
  for (int i = 0; i < o.decode_tokens; ++i) {
    const int32_t next = argmax(logits);
    engine.forward(ForwardBatch::from_rows({{next}}), timed, logits.data());
  }
  timed.finish(t_dec, dec);
  return {pre, dec};
}

// Hogwild block cache, combined layout: the prompt into `common` in chunks (set_prefill, like the session), then
// W workers generate one token each per pass (no step merges).
std::vector<Row> run_hogwild(const Model& m, const LongContextOptions& o, int W) {
  const ModelConfig& c = m.config;
  Engine engine(m, o);
  HogwildAttention cache(c.n_layers, c.n_kv_heads, c.n_heads, c.head_dim, Rope::for_model(c), Layout(LayoutKind::Combined, W), W,
                         c.context_length, &engine.pool());
  cache.set_stats_enabled(true);  // the statistics are on in the app; they must stay cheap
  TimedAttention timed(cache);
  const std::vector<int32_t> ids = prompt_ids(o.prompt_tokens, c.vocab_size);
  Row pre{"hogwild", "prefill", W, o.prompt_tokens};
  cache.set_prefill(cache.layout().first_block());
  const Timer t_pre;
  const size_t chunk = static_cast<size_t>(std::max(1, o.prefill_chunk));
  for (size_t i = 0; i < ids.size(); i += chunk) {
    const std::vector<int32_t> part(ids.begin() + static_cast<ptrdiff_t>(i), ids.begin() + static_cast<ptrdiff_t>(std::min(ids.size(), i + chunk)));
    engine.forward(ForwardBatch::from_rows({part}), timed, nullptr);
  }
  timed.finish(t_pre, pre);
  cache.set_worker_pass();
  std::vector<std::vector<int32_t>> rows(static_cast<size_t>(W));
  for (int w = 0; w < W; ++w) rows[static_cast<size_t>(w)] = {2 + w};
  std::vector<float> logits(static_cast<size_t>(W) * c.vocab_size);
  Row dec{"hogwild", "decode", W, o.decode_tokens};
  const Timer t_dec;
  for (int p = 0; p < o.decode_tokens; ++p) {
    engine.forward(ForwardBatch::from_rows(rows), timed, logits.data());
    for (int w = 0; w < W; ++w)
      rows[static_cast<size_t>(w)] = {argmax(std::span<const float>(logits.data() + static_cast<size_t>(w) * c.vocab_size, static_cast<size_t>(c.vocab_size)))};
  }
  timed.finish(t_dec, dec);
  return {pre, dec};
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t end = std::min(s.find(',', start), s.size());
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

int positive(const std::string& option, const std::string& text) {
  try {
    size_t used = 0;
    const int n = std::stoi(text, &used);
    if (used == text.size() && n > 0) return n;
  } catch (const std::exception&) {
  }
  throw ConfigError(option + ": expected a positive whole number (got '" + text + "')");
}

}  // namespace

bool parse_long_context_option(const std::string& arg, const std::function<std::string()>& value, LongContextOptions& o) {
  if (arg == "--long-prompt") o.prompt_tokens = positive(arg, value());
  else if (arg == "--long-model") o.model = value();
  else if (arg == "--long-decode") o.decode_tokens = positive(arg, value());
  else if (arg == "--prefill-chunk") o.prefill_chunk = positive(arg, value());
  else if (arg == "--long-attention-only") o.attention_only = true;
  else if (arg == "--long-workers") {
    o.workers.clear();
    for (const auto& w : split_list(value())) o.workers.push_back(positive(arg, w));
  } else if (arg == "--long-caches") {
    o.plain = o.hogwild = false;
    for (const auto& c : split_list(value())) {
      if (c == "plain") o.plain = true;
      else if (c == "hogwild") o.hogwild = true;
      else throw ConfigError("--long-caches: plain or hogwild (got '" + c + "')");
    }
  } else {
    return false;
  }
  return true;
}

nlohmann::json bench_long_context(const LongContextOptions& o) {
  if (o.model.empty()) throw ConfigError("--long-prompt needs --long-model FILE (e.g. $(python3 tests/fetch_model.py smollm2))");
  const Model m = load_model(o.model);
  const ModelConfig& c = m.config;
  int64_t longest = o.prompt_tokens + o.decode_tokens;
  for (int w : o.workers) longest = std::max<int64_t>(longest, o.prompt_tokens + static_cast<int64_t>(w) * o.decode_tokens);
  if (o.prompt_tokens <= 0 || longest > c.context_length)
    throw ConfigError("--long-prompt: " + std::to_string(o.prompt_tokens) + " prompt tokens plus the decode passes need " +
                      std::to_string(longest) + " positions; the model's context is " + std::to_string(c.context_length));
  std::printf("\nLong context: %s%s, %d-token prompt, %d decode passes at that depth, %d threads, attention loops: %s\n",
              c.name.c_str(), o.attention_only ? " (attention only, random q/k/v)" : "", o.prompt_tokens, o.decode_tokens,
              o.threads, cpu::attention_isa_name(cpu::attention_isa()));
  std::printf("%-8s %-8s %3s %8s %10s %12s %8s %10s %12s %8s %12s\n", "cache", "phase", "W", "tokens", "wall s",
              "attention s", "share", "CPU s", "attention s", "share", "speed (wall)");
  nlohmann::json out = nlohmann::json::array();
  const auto report = [&](const std::vector<Row>& rows) {
    for (const Row& r : rows) {
      print(r);
      out.push_back(to_json(r));
    }
    std::fflush(stdout);
  };
  if (o.plain) report(run_plain(m, o));
  if (o.hogwild)
    for (int w : o.workers) {
      if (w < 1 || w > 8) throw ConfigError("--long-workers: W must be between 1 and 8 (got " + std::to_string(w) + ")");
      report(run_hogwild(m, o, w));
    }
  return out;
}

}  // namespace hogwild
