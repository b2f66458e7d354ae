// Which vector width the kernels use: 2 for AVX-512 (the softmax layer's products; every other kernel takes
// the 256-bit path there), 1 for AVX, where the CPU and the OS support them; else 0 (SSE2).
#include "ULKernels.h"

#include <cpuid.h>

static int avx_usable(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & bit_OSXSAVE) || !(c & bit_AVX)) return 0;
    unsigned lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 6) == 6;  // the OS saves the XMM and YMM registers
}

static int avx512_usable(void) {
    unsigned a, b, c, d;
    if (!avx_usable() || !__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & bit_AVX512F)) return 0;
    unsigned lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0xe6) == 0xe6;  // and the opmask and ZMM registers
}

const char *ul_openblas_core(void) {
    unsigned a, b, c, d, a1 = 0, b1, c1, d1;
    if (!avx_usable() || !__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_FMA)) return NULL;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return NULL;
    unsigned avx512 = bit_AVX512F | bit_AVX512DQ | bit_AVX512CD | bit_AVX512BW | bit_AVX512VL;
    if ((b & avx512) == avx512 && avx512_usable()) {
        if (a >= 1 && __get_cpuid_count(7, 1, &a1, &b1, &c1, &d1) && (a1 & (1u << 5))) return "Cooperlake";  // AVX512_BF16
        return "SkylakeX";
    }
    return (b & bit_AVX2) ? "Haswell" : NULL;
}

static int widest(void) { return avx512_usable() ? 2 : avx_usable() ? 1 : 0; }

static int wide = -1;

int ul_kernels_wide(void) {
    if (wide < 0) wide = widest();
    return wide;
}

int ul_kernels_set_wide(int use) {
    int before = ul_kernels_wide(), most = widest();
    wide = use < 0 ? 0 : use > most ? most : use;
    return before;
}

void ul_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}
