#pragma once
// Internal to the attention kernels (cpu/attention_kernels.cpp): the inner loops of one key tile, one set per
// instruction set (attention_loops_{scalar,avx2,avx512}.cpp). QueryTile::attend() drives them.
#include <cstdint>

#include "cpu/attention_kernels.h"

namespace hogwild::cpu::loops {

constexpr int kT = QueryTile::kKeyTile;

// exp(x) of the vector loops (Cephes expf): x clamped to ±kExpLimit, x = n·ln2 + r with |r| ≤ ln2/2 (ln2 in two
// parts), e^r = 1 + r + r²·P(r) with P of degree 5, then scaled by 2^n. Relative error ≈ 1e-7.
namespace expf_poly {
constexpr float kLimit = 88.3762626647949f;
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kP[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f,
                         5.0000001201e-1f};
}  // namespace expf_poly

// One key tile as the loops see it.
struct TileStep {
  int hd = 0;
  int keys = 0;              // keys in the tile (≤ kT)
  const float* k = nullptr;  // key 0 of the tile (then k + j·stride)
  const float* v = nullptr;
  int64_t stride = 0;
  const float* q = nullptr;  // [n][hd]
  float* s = nullptr;        // [n][kT]
  const int* lim = nullptr;  // [n] keys of the tile each query sees
  const int* active = nullptr;
  int n_active = 0;
  float* scratch = nullptr;  // hd·kT floats the loops may use (the AVX-512 loops: the tile's keys transposed)
};

struct Kernels {
  // s[a][j] = q_a·k_j for j < lim[a] of every active query (a few more entries of the tile may be written).
  void (*scores)(const TileStep&);
  float (*row_max)(const float* row, int n);
  // row[j] = exp(row[j] − m) for j < n, 0 for n ≤ j < zero_to; returns the sum.
  float (*exp_row)(float* row, int n, int zero_to, float m);
  // o_a += Σ_{j < lim[a]} s[a][j]·v_j for every active query (s[a][j] = 0 beyond lim[a], up to the tile's end).
  void (*accumulate)(const TileStep&, float* o);
  void (*scale)(float* x, int n, float f);
};

extern const Kernels kScalar;
// Defined where the compiler targets x86: AVX2+FMA (head_dim a multiple of 8), AVX-512F (a multiple of 64).
extern const Kernels kAvx2, kAvx512;

// The AVX2 loops for the active queries from index `first` on (the AVX-512 loops hand them their remainder).
void scores_avx2_from(const TileStep& t, int first);
void accumulate_avx2_from(const TileStep& t, float* o, int first);

}  // namespace hogwild::cpu::loops
