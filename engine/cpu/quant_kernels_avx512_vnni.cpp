// AVX-512-VNNI variant of the quantized dot products (512-bit kernels for the 32-element types, 256-bit vpdpbusd for
// the k-quants); see quant_kernels_x86.inc.
#define HOGWILD_KERNEL_FILL fill_avx512_vnni
#define HOGWILD_VNNI 1
#if defined(__x86_64__)
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 headers start unmasked operations from _mm512_undefined_*() and then warn about it (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "cpu/quant_kernels_x86.inc"
#endif
