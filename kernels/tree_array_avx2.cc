// tree_array kernels for CPUs with AVX2 (compiled with -mavx2 for this file only; the
// engine calls them only when cpu_has_avx2()).
#include "kernels/tree_array_kernels.h"

#define XYLEM_ISA_NS avx2
#include "kernels/tree_array_kernel.inl"

namespace xylem::kernels {

const ArrayKernelTable& array_kernels_avx2() {
  static const ArrayKernelTable table = {
      "avx2",
      avx2::predict_portable<ArrayNode32, float, float>,
      avx2::predict_portable<ArrayNode32, float, double>,
      avx2::predict_portable<ArrayNode64, double, float>,
      avx2::predict_portable<ArrayNode64, double, double>,
      avx2::predict_portable<ArrayNode32, uint16_t, float>,
      avx2::predict_portable<ArrayNode32, uint16_t, double>,
  };
  return table;
}

}  // namespace xylem::kernels
