// tree_array kernels for any CPU: the shared template with the compiler's baseline flags.
#include "kernels/tree_array_kernels.h"

#define XYLEM_ISA_NS portable
#include "kernels/tree_array_kernel.inl"

namespace xylem::kernels {

const ArrayKernelTable& array_kernels_portable() {
  static const ArrayKernelTable table = {
      "portable",
      8,
      false,
      true,
      portable::predict_portable<ArrayNode32, float, float>,
      portable::predict_portable<ArrayNode32, float, double>,
      portable::predict_portable<ArrayNode64, double, float>,
      portable::predict_portable<ArrayNode64, double, double>,
      portable::predict_portable<ArrayNode32, uint16_t, float>,
      portable::predict_portable<ArrayNode32, uint16_t, double>,
  };
  return table;
}

}  // namespace xylem::kernels
