// Which instruction sets this CPU (and its operating system) can run, checked once.
#pragma once

namespace xylem::kernels {

bool cpu_has_avx2();
// AVX-512 F, BW, DQ and VL (with the OS saving the ZMM registers).
bool cpu_has_avx512();

}  // namespace xylem::kernels
