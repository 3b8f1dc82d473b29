// Which instruction sets this CPU (and its operating system) can run, checked once.
#pragma once

namespace xylem::kernels {

bool cpu_has_avx2();

}  // namespace xylem::kernels
