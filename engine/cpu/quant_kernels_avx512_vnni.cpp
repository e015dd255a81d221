// AVX-512-VNNI variant (256-bit vpdpbusd) of the quantized dot products; see quant_kernels_x86.inc.
#define HOGWILD_KERNEL_FILL fill_avx512_vnni
#define HOGWILD_VNNI 1
#if defined(__x86_64__)
#include "cpu/quant_kernels_x86.inc"
#endif
