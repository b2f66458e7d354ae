// Which vector width the kernels use: AVX where the CPU and the OS support it.
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

static int wide = -1;

int ul_kernels_wide(void) {
    if (wide < 0) wide = avx_usable();
    return wide;
}

int ul_kernels_set_wide(int use) {
    int before = ul_kernels_wide();
    wide = use && avx_usable();
    return before;
}

void ul_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}
