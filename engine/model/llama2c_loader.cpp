// llama2.c checkpoints: a 7×int32 header {dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len}
// followed by float32 arrays, each matrix row-major [out][in]:
//   token_embedding [vocab][dim], rms_att [L][dim], wq [L][dim][dim], wk [L][kv_dim][dim], wv [L][kv_dim][dim],
//   wo [L][dim][dim], rms_ffn [L][dim], w1 [L][hidden][dim], w2 [L][dim][hidden], w3 [L][hidden][dim],
//   rms_final [dim], freq_cis_real [seq_len][head_size/2], freq_cis_imag (same), then wcls [vocab][dim] only
//   when vocab_size is negative (unshared classifier).
// Row-major [out][in] is exactly GGUF's [in, out], so the weights are used in place as F32 views.
#include <cstring>
#include <filesystem>

#include "common/error.h"
#include "model/model_loaders.h"

namespace hogwild {

namespace {

constexpr int64_t kHeaderBytes = 7 * 4;

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw ModelError(path + ": " + what); }

struct Header {
  int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
};

}  // namespace

Model load_llama2c_model(std::shared_ptr<const MappedFile> file) {
  const std::string& path = file->path();
  const uint64_t size = file->size();
  if (size < kHeaderBytes) {
    fail(path, "not a GGUF file, and too small for a llama2.c checkpoint (file is " + std::to_string(size) +
         " bytes, the header needs " + std::to_string(kHeaderBytes) + ")");
  }
  Header h{};
  std::memcpy(&h, file->data(), kHeaderBytes);

  // Every field is checked before it is used in a size computation. With these bounds no product below can
  // overflow 64 bits (largest: layers·dim·hidden·4 < 2^52).
  const auto check = [&](const char* field, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi) {
      fail(path, "bad llama2.c header: " + std::string(field) + " = " + std::to_string(v) + " is out of range (" +
           std::to_string(lo) + ".." + std::to_string(hi) + ")");
    }
  };
  check("dim", h.dim, 1, 1 << 20);
  check("hidden_dim", h.hidden_dim, 1, 1 << 20);
  check("n_layers", h.n_layers, 1, 1024);
  check("n_heads", h.n_heads, 1, h.dim);
  check("n_kv_heads", h.n_kv_heads, 1, h.n_heads);
  if (h.vocab_size == 0 || h.vocab_size < -(1 << 24) || h.vocab_size > (1 << 24)) {  // negative: unshared classifier
    fail(path, "bad llama2.c header: vocab_size = " + std::to_string(h.vocab_size) + " is out of range (1..16777216, or negative)");
  }
  check("seq_len", h.seq_len, 1, 1 << 24);
  if (h.dim % h.n_heads != 0) {
    fail(path, "bad llama2.c header: n_heads = " + std::to_string(h.n_heads) + " does not divide dim = " + std::to_string(h.dim));
  }
  if (h.n_heads % h.n_kv_heads != 0) {
    fail(path, "bad llama2.c header: n_kv_heads = " + std::to_string(h.n_kv_heads) + " does not divide n_heads = " +
         std::to_string(h.n_heads));
  }
  const int64_t head_size = h.dim / h.n_heads;
  if (head_size % 2 != 0) fail(path, "bad llama2.c header: head size " + std::to_string(head_size) + " is odd (RoPE rotates pairs)");

  const bool shared = h.vocab_size > 0;
  const int64_t vocab = shared ? h.vocab_size : -static_cast<int64_t>(h.vocab_size);
  const int64_t dim = h.dim, hidden = h.hidden_dim, L = h.n_layers;
  const int64_t kv_dim = dim * h.n_kv_heads / h.n_heads;

  // Float offsets of every array, in file order.
  int64_t pos = 0;
  const auto take = [&](int64_t n) { const int64_t at = pos; pos += n; return at; };
  const int64_t o_embd = take(vocab * dim), o_rms_att = take(L * dim), o_wq = take(L * dim * dim),
                o_wk = take(L * dim * kv_dim), o_wv = take(L * dim * kv_dim), o_wo = take(L * dim * dim),
                o_rms_ffn = take(L * dim), o_w1 = take(L * dim * hidden), o_w2 = take(L * hidden * dim),
                o_w3 = take(L * dim * hidden), o_rms_final = take(dim);
  take(h.seq_len * head_size / 2);  // freq_cis_real: legacy RoPE table, unused (RoPE is computed)
  take(h.seq_len * head_size / 2);  // freq_cis_imag
  const int64_t o_wcls = shared ? o_embd : take(vocab * dim);
  const uint64_t need = kHeaderBytes + static_cast<uint64_t>(pos) * 4;
  if (size < need) fail(path, "truncated: need " + std::to_string(need) + " bytes, file has " + std::to_string(size));

  // The map is page-aligned and the header is 28 bytes, so every float is 4-byte aligned.
  const auto* base = file->data() + kHeaderBytes;
  const auto view = [&](std::string name, int64_t float_offset, std::vector<int64_t> dims) {
    TensorView v;
    v.name = std::move(name);
    v.type = DType::F32;
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    v.dims = std::move(dims);
    v.data = base + float_offset * 4;
    v.nbytes = static_cast<size_t>(n) * 4;
    return v;
  };

  Model m;
  m.path = path;
  ModelConfig& c = m.config;
  c.architecture = "llama";
  c.name = std::filesystem::path(path).stem().string();
  c.format = "llama2c";
  c.dim = h.dim;
  c.hidden_dim = h.hidden_dim;
  c.n_layers = h.n_layers;
  c.n_heads = h.n_heads;
  c.n_kv_heads = h.n_kv_heads;
  c.head_dim = static_cast<int>(head_size);
  c.vocab_size = static_cast<int>(vocab);
  c.context_length = h.seq_len;
  c.rope_theta = 10000.f;
  c.rope_dim = static_cast<int>(head_size);
  c.rope_style = RopeStyle::Interleaved;  // run.c rotates (2i, 2i+1) pairs
  c.rms_eps = 1e-5f;
  c.tied_output = shared;

  ModelWeights& w = m.weights;
  w.token_embd = view("token_embd.weight", o_embd, {dim, vocab});
  w.output_norm = view("output_norm.weight", o_rms_final, {dim});
  w.output = shared ? w.token_embd : view("output.weight", o_wcls, {dim, vocab});
  for (int64_t l = 0; l < L; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    LayerWeights lw;
    lw.attn_norm = view(p + "attn_norm.weight", o_rms_att + l * dim, {dim});
    lw.wq = view(p + "attn_q.weight", o_wq + l * dim * dim, {dim, dim});
    lw.wk = view(p + "attn_k.weight", o_wk + l * dim * kv_dim, {dim, kv_dim});
    lw.wv = view(p + "attn_v.weight", o_wv + l * dim * kv_dim, {dim, kv_dim});
    lw.wo = view(p + "attn_output.weight", o_wo + l * dim * dim, {dim, dim});
    lw.ffn_norm = view(p + "ffn_norm.weight", o_rms_ffn + l * dim, {dim});
    lw.w_gate = view(p + "ffn_gate.weight", o_w1 + l * dim * hidden, {dim, hidden});
    lw.w_down = view(p + "ffn_down.weight", o_w2 + l * hidden * dim, {hidden, dim});
    lw.w_up = view(p + "ffn_up.weight", o_w3 + l * dim * hidden, {dim, hidden});
    w.layers.push_back(std::move(lw));
  }
  m.file = std::move(file);
  return m;
}

}  // namespace hogwild
