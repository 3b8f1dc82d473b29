// The dense engine: networks (MLPs) and linear models without trees (scikit-learn),
// compiled into a stack of dense layers. Batches of rows go through BLAS (sgemm or
// dgemm) with the bias and activation applied after it; small batches go through the
// SIMD kernels of kernels/dense_kernels.h, which beat BLAS's call and packing cost
// there, and so do batches when those kernels are AVX-512 and OpenBLAS's are not. int8 layers quantize their input per row (or with a static scale) and
// multiply with the int8 kernels (VNNI where the CPU has it).
#pragma once

#include <memory>
#include <string>

#include "engine/compiled/engine.h"
#include "engine/ir/model_ir.h"

namespace xylem::compiled {

// A block (of up to 256 rows) with fewer rows uses the SIMD kernels, one with this many
// or more BLAS.
inline constexpr size_t kDenseBlasMinRows = 32;

// isa: "portable", "avx2" or "avx512" (checked by the caller against the CPU); the
// int8 kernels are the best this CPU has within that instruction set.
std::unique_ptr<engine::Engine> make_dense_engine(const ir::Model& model, const std::string& isa, std::string* why_not);

// The int8 kernel the engine would use for an isa ("portable", "avx2", "avx_vnni", "avx512_vnni").
std::string dense_int8_isa(const std::string& isa);

}  // namespace xylem::compiled
