// The reference forward pass of a network (MLP): every dot product summed in input
// order from the bias, in the network's precision, with the std:: functions. The
// fast engines sum in other orders and use vectorised functions; they are held to
// this within a stated bound, not bit for bit.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/ir/model_ir.h"

namespace xylem::reference {

// row: the layer-0 inputs; margins: the last layer's outputs.
template <typename T>
void network_margins(const ir::Network& network, const double* row, T* margins);

// One activation over n values in place (softmax over all n).
template <typename T>
void activate(ir::Activation activation, double alpha, T* x, size_t n);

// The int8 layer of docs/format.md: quantizes `a` (layer.inputs floats), multiplies
// exactly in int32 and dequantizes into `out` (layer.outputs floats, before the activation).
void int8_layer(const ir::DenseLayer& layer, const float* a, float* out);

// The quantization of one row of floats as the int8 layers do it: returns the input
// scale and writes q (n values in [-127, 127], or [0, 255] with unsigned_range).
// static_scale > 0 uses that scale.
float quantize_row(const float* a, size_t n, float static_scale, bool unsigned_range, int32_t* q);

}  // namespace xylem::reference
