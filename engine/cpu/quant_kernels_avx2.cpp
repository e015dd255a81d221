// AVX2 + FMA + F16C variant of the quantized dot products (compiled with those flags; see quant_kernels_x86.inc).
#define HOGWILD_KERNEL_FILL fill_avx2
#define HOGWILD_VNNI 0
#if defined(__x86_64__)
#include "cpu/quant_kernels_x86.inc"
#endif
