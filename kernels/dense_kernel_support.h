// Scalar helpers shared by the dense kernel tables (dense_kernels.h). They are
// defined once, in dense_portable.cc (baseline flags), and only declared here, so an
// instruction-set file that calls them never gets a copy compiled with its own flags.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xylem::kernels::dense_detail {

// q[i] = clamp(rint(a[i] * inv), -127, 127), NaN products giving 0 (unsigned_range:
// clamp to [0, 255], then - 128): the quantization formula of
// DenseKernelTable::quantize_s8, for the vector kernels' tails.
void quantize_values_s8(const float* a, size_t count, float inv, bool unsigned_range, int8_t* q);

// The levels of a quantized value: 127 (signed) or 255 (unsigned range).
static inline float quantize_levels(bool unsigned_range) { return unsigned_range ? 255.0f : 127.0f; }

// amax (NaN ignored) -> the multiplier of a dynamically quantized row (0 for amax 0),
// and its scale; every table calls these, so all give the same bits. (static: each
// file keeps its own copy, compiled with its own flags, never shared by the linker.)
static inline float quantize_inv_scale(float amax, bool unsigned_range) {
  return amax == 0.0f ? 0.0f : quantize_levels(unsigned_range) / amax;
}
static inline float quantize_scale(float amax, bool unsigned_range) { return amax / quantize_levels(unsigned_range); }

}  // namespace xylem::kernels::dense_detail
