// Which instruction sets this CPU (and its operating system) can run, checked once.
#pragma once

namespace xylem::kernels {

bool cpu_has_avx2();
// AVX-512 F, BW, DQ and VL (with the OS saving the ZMM registers).
bool cpu_has_avx512();
// FMA3 (with the OS saving the YMM registers).
bool cpu_has_fma();
// AVX2 (as cpu_has_avx2()) and FMA3: what the AVX2 dense kernels need.
bool cpu_has_avx2_fma();
// AVX-VNNI (vpdpbusd on ymm, CPUID.(EAX=7,ECX=1):EAX bit 4) and AVX2.
bool cpu_has_avx_vnni();
// AVX512-VNNI (CPUID.(EAX=7,ECX=0):ECX bit 11) and cpu_has_avx512().
bool cpu_has_avx512_vnni();

}  // namespace xylem::kernels
