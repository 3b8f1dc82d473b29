// Scalar helpers shared by the dense kernel tables (dense_kernels.h). They are
// defined once, in dense_portable.cc (baseline flags), and only declared here, so an
// instruction-set file that calls them never gets a copy compiled with its own flags.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xylem::kernels::dense_detail {

// q[i] = clamp(rint(a[i] * inv), -127, 127), NaN products giving 0: the quantization
// formula of DenseKernelTable::quantize_s8, for the vector kernels' tails.
void quantize_values_s8(const float* a, size_t count, float inv, int8_t* q);

// amax (NaN ignored) -> the multiplier of a dynamically quantized row (0 for amax 0),
// and its scale; every table calls these, so all give the same bits. (static: each
// file keeps its own copy, compiled with its own flags, never shared by the linker.)
static inline float quantize_inv_scale(float amax) { return amax == 0.0f ? 0.0f : 127.0f / amax; }
static inline float quantize_scale(float amax) { return amax / 127.0f; }

}  // namespace xylem::kernels::dense_detail
