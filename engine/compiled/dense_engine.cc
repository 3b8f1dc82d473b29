#include "engine/compiled/dense_engine.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include "engine/reference/network_reference.h"
#include "engine/reference/transforms.h"
#include "kernels/cpu_features.h"
#include "kernels/dense_kernels.h"

namespace xylem::compiled {
namespace {

// float64 layers with this many weights or more use BLAS (dgemv) for a few rows too.
constexpr size_t kDenseFloat64BlasMinWeights = 4096;

// Rows per block: a 256-row block of 256 float activations is 256 KiB, in L2 with
// the next layer's output; BLAS packs the weights once per block, which costs under
// 1% of the block's products for such layers.
constexpr size_t kBlockRows = 256;

struct Layer {
  size_t k = 0, n = 0;
  ir::Activation activation = ir::Activation::Identity;
  double alpha = 0;
  std::vector<float> w32, b32;
  std::vector<float> wt32;  // narrow layers: the weights transposed (outputs x inputs)
  std::vector<double> w64, b64;
  bool int8 = false;
  std::vector<int8_t> packed;
  std::vector<int32_t> column_sums;
  std::vector<float> scales;
  bool static_scale = false, unsigned_input = false;
  float input_scale = 0, inverse_scale = 0;
  kernels::PackedInt8 packed_view() const {
    kernels::PackedInt8 p;
    p.values = packed.data();
    p.column_sums = column_sums.data();
    p.inputs = k;
    p.outputs = n;
    return p;
  }
};

const kernels::DenseKernelTable& float_kernels(const std::string& isa) {
  if (isa == "avx512") return kernels::dense_kernels_avx512();
  if (isa == "avx2") return kernels::dense_kernels_avx2();
  return kernels::dense_kernels_portable();
}

const kernels::Int8GemmKernel& int8_kernel(const std::string& isa) {
  if (isa == "avx512" && kernels::cpu_has_avx512_vnni()) return kernels::int8_gemm_avx512_vnni();
  if ((isa == "avx512" || isa == "avx2") && kernels::cpu_has_avx_vnni()) return kernels::int8_gemm_avx_vnni();
  if (isa == "avx512" || isa == "avx2") return kernels::int8_gemm_avx2();
  return kernels::int8_gemm_portable();
}

// Whether OpenBLAS runs AVX-512 kernels on this CPU. Debian's OpenBLAS 0.3.21 names
// AMD Zen 4 and 5 "Haswell" and runs its AVX2 kernels there: on a Zen 5, xylem's
// AVX-512 kernels then did a 100-256-256-256-10 MLP at batch 10000 in 21.7 ms against
// 32.1 ms through OpenBLAS (20.2 ms with OPENBLAS_CORETYPE=SkylakeX).
bool openblas_runs_avx512() {
  const std::string core = openblas_get_corename();
  for (const char* name : {"SkylakeX", "skylakex", "Cooperlake", "cooperlake", "SapphireRapids", "sapphirerapids"})
    if (core == name) return true;
  return false;
}

// Our thread pool splits batches across threads, so each BLAS call must stay on the
// thread that makes it: OpenBLAS's own threads would compete with ours.
void keep_blas_on_calling_thread() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

// A scratch buffer at a 64-byte boundary. BLAS kernels peel unaligned heads, so the
// sums they compute depend on where a matrix starts; every thread's buffer starting on
// the same boundary keeps a row's bits independent of the thread that computes it.
template <typename T>
class AlignedScratch {
 public:
  T* get(size_t n) {
    if (n > size_) {
      data_.reset(static_cast<T*>(::operator new[]((n * sizeof(T) + 63) / 64 * 64, std::align_val_t{64})));
      size_ = n;
    }
    return data_.get();
  }

 private:
  struct Free {
    void operator()(T* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  std::unique_ptr<T, Free> data_;
  size_t size_ = 0;
};

template <typename T>
class DenseEngine final : public engine::Engine {
 public:
  DenseEngine(const ir::Model& model, const std::string& isa)
      : stage_(model.output),
        num_outputs_(model.num_outputs),
        prediction_width_(ir::prediction_width(model)),
        floats_(float_kernels(isa)),
        int8_(int8_kernel(isa)) {
    if (model.has_network) {
      for (const ir::DenseLayer& l : model.network.layers) layers_.push_back(compile(l));
    } else {
      ir::DenseLayer l;  // a linear model is one identity layer
      l.inputs = model.num_features;
      l.outputs = model.num_outputs;
      l.weights = model.linear.weights;
      l.bias = model.linear.bias;
      layers_.push_back(compile(l));
    }
    bool any_int8 = false;
    for (const Layer& l : layers_) any_int8 |= l.int8;
    // Batches go to OpenBLAS unless xylem's AVX-512 kernels beat the kernels it runs
    // here (float32 only: float64 has no SIMD kernels of its own and keeps dgemm).
    use_blas_ = !std::is_same_v<T, float> || std::string(floats_.isa) != "avx512" || openblas_runs_avx512();
    name_ = std::string("dense/") + floats_.isa + (use_blas_ ? "+openblas" : "") +
            (any_int8 ? std::string("/int8-") + int8_.isa : "");
    keep_blas_on_calling_thread();
  }

  std::string name() const override { return name_; }
  size_t row_alignment() const override { return kBlockRows; }

  size_t memory_bytes() const override {
    size_t total = sizeof(*this);
    for (const Layer& l : layers_)
      total += sizeof(Layer) + (l.w32.size() + l.b32.size() + l.scales.size()) * sizeof(float) +
               (l.w64.size() + l.b64.size()) * sizeof(double) + l.packed.size() + l.column_sums.size() * 4;
    return total;
  }

  void predict(const double* rows, size_t n, double* out, const engine::PredictRequest& request) const override {
    run(rows, n, out, request);
  }
  void predict(const float* rows, size_t n, double* out, const engine::PredictRequest& request) const override {
    run(rows, n, out, request);
  }

 private:
  Layer compile(const ir::DenseLayer& l) const {
    Layer c;
    c.k = static_cast<size_t>(l.inputs);
    c.n = static_cast<size_t>(l.outputs);
    c.activation = l.activation;
    c.alpha = l.alpha;
    if constexpr (std::is_same_v<T, float>) {
      c.b32.assign(l.bias.begin(), l.bias.end());
      if (l.has_int8) {
        c.int8 = true;
        c.packed.resize(kernels::packed_int8_size(c.n, c.k));
        c.column_sums.resize(c.n);
        kernels::pack_int8_weights(l.int8.values.data(), c.n, c.k, c.packed.data(), c.column_sums.data());
        c.scales.assign(l.int8.scales.begin(), l.int8.scales.end());
        c.static_scale = l.int8.static_input_scale;
        c.unsigned_input = l.int8.unsigned_input;
        c.input_scale = static_cast<float>(l.int8.input_scale);
        c.inverse_scale = c.static_scale ? 1.0f / c.input_scale : 0.0f;  // as reference::quantize_row
      } else {
        c.w32.assign(l.weights.begin(), l.weights.end());
        if (c.n < floats_.narrow_outputs && c.k >= 64) {
          c.wt32.resize(c.k * c.n);
          for (size_t i = 0; i < c.k; ++i)
            for (size_t o = 0; o < c.n; ++o) c.wt32[o * c.k + i] = c.w32[i * c.n + o];
        }
      }
    } else {
      c.w64 = l.weights;
      c.b64 = l.bias;
    }
    return c;
  }

  void activate(const Layer& l, T* x, size_t m) const {
    const size_t count = m * l.n;
    if constexpr (std::is_same_v<T, float>) {
      switch (l.activation) {
        case ir::Activation::Identity: return;
        case ir::Activation::Relu: floats_.relu_f32(x, count); return;
        case ir::Activation::LeakyRelu: floats_.leaky_relu_f32(x, count, static_cast<float>(l.alpha)); return;
        case ir::Activation::Tanh: floats_.tanh_f32(x, count); return;
        case ir::Activation::Logistic: floats_.logistic_f32(x, count); return;
        case ir::Activation::Gelu: floats_.gelu_f32(x, count); return;
        case ir::Activation::Softmax: floats_.softmax_f32(x, m, l.n); return;
      }
    } else {
      if (l.activation == ir::Activation::Softmax) {
        for (size_t r = 0; r < m; ++r) reference::activate<double>(l.activation, l.alpha, x + r * l.n, l.n);
      } else {
        reference::activate<double>(l.activation, l.alpha, x, count);
      }
    }
  }

  // c = a (m x k) * W + bias, then the activation.
  void layer(const Layer& l, const T* a, size_t m, bool blas, T* c) const {
    if constexpr (std::is_same_v<T, float>) {
      if (l.int8) {
        int8_layer(l, a, m, c);
      } else if (blas) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(m), static_cast<int>(l.n),
                    static_cast<int>(l.k), 1.0f, a, static_cast<int>(l.k), l.w32.data(), static_cast<int>(l.n), 0.0f,
                    c, static_cast<int>(l.n));
        add_bias(l.b32.data(), l.n, m, c);
      } else if (!l.wt32.empty()) {
        floats_.gemm_f32_narrow(a, m, l.k, l.wt32.data(), l.n, l.b32.data(), c);
      } else {
        floats_.gemm_f32(a, m, l.k, l.w32.data(), l.n, l.b32.data(), c);
      }
    } else {
      // float64 has no SIMD kernels: below the BLAS threshold, small layers keep the
      // reference's own order (bit-identical scikit-learn linear models) and large ones
      // take dgemv row by row.
      if (!blas && l.k * l.n >= kDenseFloat64BlasMinWeights) {
        // dgemm is slow for a few rows (about 2 GFLOP/s at one row); dgemv per row is not.
        for (size_t r = 0; r < m; ++r)
          cblas_dgemv(CblasRowMajor, CblasTrans, static_cast<int>(l.k), static_cast<int>(l.n), 1.0, l.w64.data(),
                      static_cast<int>(l.n), a + r * l.k, 1, 0.0, c + r * l.n, 1);
        add_bias(l.b64.data(), l.n, m, c);
      } else if (blas) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(m), static_cast<int>(l.n),
                    static_cast<int>(l.k), 1.0, a, static_cast<int>(l.k), l.w64.data(), static_cast<int>(l.n), 0.0, c,
                    static_cast<int>(l.n));
        add_bias(l.b64.data(), l.n, m, c);
      } else {
        // Few rows: the reference's own order (bias, then inputs in order), vectorised across outputs.
        for (size_t r = 0; r < m; ++r) {
          T* dst = c + r * l.n;
          std::copy_n(l.b64.data(), l.n, dst);
          const T* row = a + r * l.k;
          for (size_t i = 0; i < l.k; ++i) {
            const T x = row[i];
            const T* w = l.w64.data() + i * l.n;
            for (size_t o = 0; o < l.n; ++o) dst[o] += x * w[o];
          }
        }
      }
    }
    activate(l, c, m);
  }

  static void add_bias(const T* bias, size_t n, size_t m, T* c) {
    for (size_t r = 0; r < m; ++r)
      for (size_t o = 0; o < n; ++o) c[r * n + o] += bias[o];
  }

  void int8_layer(const Layer& l, const float* a, size_t m, float* c) const {
    thread_local std::vector<int8_t> q;
    thread_local std::vector<int32_t> acc;
    thread_local std::vector<float> row_scales;
    const kernels::PackedInt8 w = l.packed_view();
    const size_t kp = w.padded_inputs();
    if (q.size() < m * kp) q.resize(m * kp);
    if (acc.size() < m * l.n) acc.resize(m * l.n);
    if (row_scales.size() < m) row_scales.resize(m);
    floats_.quantize_s8(a, m, l.k, kp, l.static_scale ? &l.inverse_scale : nullptr, l.unsigned_input, q.data(),
                        row_scales.data());
    int8_.gemm_s8(q.data(), m, w, acc.data());
    // Unsigned inputs u were multiplied as u - 128: the kernel adds 128 * the weights'
    // sums back (exact in int32), then dequantizes as docs/format.md says.
    floats_.dequantize_s8(acc.data(), m, l.n, l.static_scale ? nullptr : row_scales.data(), l.input_scale,
                          l.scales.data(), l.unsigned_input ? l.column_sums.data() : nullptr, l.b32.data(), c);
  }

  template <typename Src>
  void run(const Src* rows, size_t n_rows, double* out, const engine::PredictRequest& request) const {
    thread_local AlignedScratch<T> a_scratch, b_scratch;
    const size_t k0 = layers_.front().k;
    size_t widest = k0;
    for (const Layer& l : layers_) widest = std::max(widest, l.n);
    const size_t width = request.margin ? static_cast<size_t>(num_outputs_) : static_cast<size_t>(prediction_width_);
    for (size_t begin = 0; begin < n_rows; begin += kBlockRows) {
      const size_t m = std::min(kBlockRows, n_rows - begin);
      T* a = a_scratch.get(kBlockRows * widest);
      T* b = b_scratch.get(kBlockRows * widest);
      const Src* src = rows + begin * k0;
      // Rows already in the network's type are read where they are (a 784-wide input
      // copied block by block cost a third of a logistic regression's time).
      const T* in;
      if constexpr (std::is_same_v<Src, T>) {
        in = src;
      } else {
        for (size_t i = 0; i < m * k0; ++i) a[i] = static_cast<T>(src[i]);
        in = a;
      }
      // The block's size picks BLAS or the kernels. Threads split batches at multiples
      // of kBlockRows (row_alignment), so every row lands in the same block, and gets
      // the same bits, whatever the thread count.
      const bool blas = use_blas_ && m >= kDenseBlasMinRows;
      T* next = in == a ? b : a;
      for (const Layer& l : layers_) {
        layer(l, in, m, blas, next);
        in = next;
        next = next == a ? b : a;
      }
      finish(in, m, request.margin, out + begin * width);
    }
  }

  void finish(const T* margins, size_t m, bool margin, double* out) const {
    const size_t k = static_cast<size_t>(num_outputs_);
    if (margin) {
      for (size_t i = 0; i < m * k; ++i) out[i] = static_cast<double>(margins[i]);
      return;
    }
    const size_t width = static_cast<size_t>(prediction_width_);
    thread_local std::vector<float> m32;
    thread_local std::vector<double> m64;
    for (size_t r = 0; r < m; ++r) {
      const T* row = margins + r * k;
      if (stage_.transform_precision == ir::Precision::Float32) {
        m32.assign(row, row + k);
        reference::transform_float32(stage_, m32.data(), num_outputs_, out + r * width);
      } else {
        m64.assign(row, row + k);
        reference::transform_float64(stage_, m64.data(), num_outputs_, out + r * width);
      }
    }
  }

  ir::OutputStage stage_;
  int32_t num_outputs_, prediction_width_;
  const kernels::DenseKernelTable& floats_;
  const kernels::Int8GemmKernel& int8_;
  std::vector<Layer> layers_;
  bool use_blas_ = true;
  std::string name_;
};

// The output stage must be the plain one the dense engine implements (no trees to
// average, margins straight from the last layer).
std::string unsupported(const ir::Model& m) {
  if (!m.ensemble.trees.empty()) return "trees";
  if (!m.has_network && !m.has_linear) return "neither a network nor a linear model";
  if (m.has_linear && m.linear.skip_missing)
    return "a linear model that skips missing inputs (XGBoost gblinear, summed in feature order)";
  if (m.has_linear && m.linear.input_precision != ir::Precision::Float64)
    return "a linear model on float32-rounded inputs";
  if (m.has_linear && m.output.accumulation != ir::Precision::Float64) return "a float32 linear model";
  for (double b : m.output.base_scores)
    if (b != 0) return "base scores";
  if (m.output.scale != 1.0) return "a scaled output";
  return "";
}

}  // namespace

std::string dense_int8_isa(const std::string& isa) { return int8_kernel(isa).isa; }

std::unique_ptr<engine::Engine> make_dense_engine(const ir::Model& model, const std::string& isa, std::string* why_not) {
  *why_not = unsupported(model);
  if (!why_not->empty()) return nullptr;
  const ir::Precision p = model.has_network ? model.network.precision : model.output.accumulation;
  if (p == ir::Precision::Float32) return std::make_unique<DenseEngine<float>>(model, isa);
  return std::make_unique<DenseEngine<double>>(model, isa);
}

}  // namespace xylem::compiled
