// The dense-layer kernels (kernels/dense_kernels.h), every table and int8 kernel this
// CPU runs (the others are skipped, naming why), against plain double-precision or
// exact integer references:
//  - gemm_f32 within the dot-product bound of the header, output by output;
//  - activations within a stated ulp bound of the function in double (measured over a
//    sweep of floats, large |x|, zeros, infinities and NaN), plus their exact limits;
//  - softmax per row within a stated relative bound;
//  - quantize_s8 bit for bit against a scalar implementation of the documented formula;
//  - gemm_s8 equal to an exact int64 reference, for every kernel (so all are equal);
//  - no kernel reads or writes outside its buffers (exactly sized std::vectors, for
//    ASan, and canaries after the outputs).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dense_kernels.h"

namespace xylem::kernels {
namespace {

constexpr double kU = 1.0 / 16777216.0;  // 2^-24
const float kNan = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

struct TableCase {
  const char* name;
  const DenseKernelTable& (*table)();
  bool (*supported)();
  const char* needs;
};
bool always() { return true; }

const TableCase kTables[] = {
    {"portable", dense_kernels_portable, always, ""},
    {"avx2", dense_kernels_avx2, cpu_has_avx2_fma, "AVX2 and FMA"},
    {"avx512", dense_kernels_avx512, cpu_has_avx512, "AVX-512 F/BW/DQ/VL"},
};

struct Int8Case {
  const char* name;
  const Int8GemmKernel& (*kernel)();
  bool (*supported)();
  const char* needs;
};
const Int8Case kInt8[] = {
    {"portable", int8_gemm_portable, always, ""},
    {"avx2", int8_gemm_avx2, cpu_has_avx2, "AVX2"},
    {"avx_vnni", int8_gemm_avx_vnni, cpu_has_avx_vnni, "AVX-VNNI"},
    {"avx512_vnni", int8_gemm_avx512_vnni, cpu_has_avx512_vnni, "AVX512-VNNI"},
};

std::vector<float> random_floats(size_t count, float lo, float hi, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(count);
  for (float& x : v) x = dist(gen);
  return v;
}

// The spacing of floats at float(r) (2^-149 at zero and in the subnormals).
double ulp_at(double r) {
  const float f = std::fabs(static_cast<float>(r));
  if (!(f >= std::numeric_limits<float>::min())) return std::ldexp(1.0, -149);
  if (std::isinf(f)) return std::ldexp(1.0, 104);
  return std::ldexp(1.0, std::ilogb(f) - 23);
}

class DenseTable : public ::testing::TestWithParam<TableCase> {
 protected:
  void SetUp() override {
    if (!GetParam().supported()) GTEST_SKIP() << "this CPU lacks " << GetParam().needs;
  }
  const DenseKernelTable& t() const { return GetParam().table(); }
};

class DenseInt8 : public ::testing::TestWithParam<Int8Case> {
 protected:
  void SetUp() override {
    if (!GetParam().supported()) GTEST_SKIP() << "this CPU lacks " << GetParam().needs;
  }
  const Int8GemmKernel& kern() const { return GetParam().kernel(); }
};

// ---------------------------------------------------------------- gemm_f32

double gamma_bound(size_t j) { return j * kU / (1.0 - j * kU); }

TEST_P(DenseTable, GemmF32WithinDotProductBound) {
  EXPECT_STREQ(t().isa, GetParam().name);
  const size_t ms[] = {1, 2, 3, 5, 16, 17, 100};
  const size_t ks[] = {1, 3, 7, 64, 100, 257, 784};
  const size_t ns[] = {1, 2, 10, 15, 16, 17, 64, 256, 300};
  uint32_t seed = 1;
  for (size_t k : ks)
    for (size_t n : ns) {
      const std::vector<float> w = random_floats(k * n, -1.0f, 1.0f, seed++);
      const std::vector<float> bias = random_floats(n, -2.0f, 2.0f, seed++);
      for (size_t m : ms) {
        const std::vector<float> a = random_floats(m * k, -1.0f, 1.0f, seed++);
        for (bool with_bias : {true, false}) {
          std::vector<float> c(m * n, kNan);
          t().gemm_f32(a.data(), m, k, w.data(), n, with_bias ? bias.data() : nullptr, c.data());
          for (size_t r = 0; r < m; ++r)
            for (size_t o = 0; o < n; ++o) {
              double exact = 0, abs_sum = 0;
              for (size_t i = 0; i < k; ++i) {
                const double p = double{a[r * k + i]} * w[i * n + o];
                exact += p;
                abs_sum += std::fabs(p);
              }
              const double b = with_bias ? bias[o] : 0.0;
              const double bound = gamma_bound(k + 1) * abs_sum + kU * std::fabs(b) +
                                   2 * k * std::ldexp(abs_sum, -53);  // the double reference's own error
              ASSERT_LE(std::fabs(c[r * n + o] - (exact + b)), bound)
                  << "m " << m << " k " << k << " n " << n << " r " << r << " o " << o << " bias " << with_bias;
            }
        }
      }
    }
}

// The narrow product (transposed weights) within the same bound, on every table (the
// portable one too: the engine only uses it below narrow_outputs), and a row's bits
// do not depend on how many rows come with it.
TEST_P(DenseTable, GemmF32NarrowWithinDotProductBound) {
  uint32_t seed = 71;
  for (size_t k : {1, 15, 16, 17, 64, 100, 784})
    for (size_t n : {1, 2, 3, 4, 10, 17, 31}) {
      const std::vector<float> w = random_floats(k * n, -1.0f, 1.0f, seed++);
      std::vector<float> wt(n * k);
      for (size_t i = 0; i < k; ++i)
        for (size_t o = 0; o < n; ++o) wt[o * k + i] = w[i * n + o];
      const std::vector<float> bias = random_floats(n, -2.0f, 2.0f, seed++);
      const std::vector<float> a = random_floats(17 * k, -1.0f, 1.0f, seed++);
      std::vector<float> all(17 * n, kNan);
      t().gemm_f32_narrow(a.data(), 17, k, wt.data(), n, bias.data(), all.data());
      for (size_t m : {1, 2, 3, 5}) {
        std::vector<float> c(m * n, kNan);
        t().gemm_f32_narrow(a.data(), m, k, wt.data(), n, bias.data(), c.data());
        for (size_t i = 0; i < m * n; ++i)
          ASSERT_EQ(std::bit_cast<uint32_t>(c[i]), std::bit_cast<uint32_t>(all[i])) << "m " << m << " k " << k << " n " << n;
      }
      for (size_t r = 0; r < 17; ++r)
        for (size_t o = 0; o < n; ++o) {
          double exact = 0, abs_sum = 0;
          for (size_t i = 0; i < k; ++i) {
            const double p = double{a[r * k + i]} * w[i * n + o];
            exact += p;
            abs_sum += std::fabs(p);
          }
          const double bound = gamma_bound(k + 1) * abs_sum + kU * std::fabs(bias[o]) + 2 * k * std::ldexp(abs_sum, -53);
          ASSERT_LE(std::fabs(all[r * n + o] - (exact + bias[o])), bound) << "k " << k << " n " << n << " r " << r;
        }
    }
}

// ---------------------------------------------------------------- activations

// Every `step`-th float from 0 to `limit`, both signs, and special values.
std::vector<float> sweep(float limit, uint32_t step) {
  std::vector<float> v;
  for (uint32_t bits = 0; bits <= std::bit_cast<uint32_t>(limit); bits += step) {
    const float x = std::bit_cast<float>(bits);
    v.push_back(x);
    v.push_back(-x);
  }
  for (float x : {0.0f, 0.5f, 0.625f, 1.0f, 2.0f, 5.0f, 9.01f, 9.1f, 10.0f, 14.5f, 15.0f, 20.0f, 87.0f, 88.7f,
                  88.8f, 89.0f, 103.9f, 104.0f, 200.0f, 1e10f, 1e30f, std::numeric_limits<float>::max(),
                  std::numeric_limits<float>::min(), std::numeric_limits<float>::denorm_min(), 1e-20f}) {
    v.push_back(x);
    v.push_back(-x);
    v.push_back(std::nextafter(x, 0.0f));
    v.push_back(-std::nextafter(x, kInf));
  }
  std::erase_if(v, [](float x) { return !std::isfinite(x); });  // infinities: the limits test
  return v;
}

struct UlpResult {
  double max_ulp = 0;
  float worst_x = 0;
};

template <class Kernel, class Ref>
UlpResult measure(Kernel kernel, Ref ref, const std::vector<float>& xs) {
  std::vector<float> y = xs;
  kernel(y.data(), y.size());
  UlpResult res;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double r = ref(static_cast<double>(xs[i]));
    double e = y[i] == r ? 0.0 : std::fabs(y[i] - r) / ulp_at(r);
    if (std::isnan(e)) e = std::isnan(r) && std::isnan(y[i]) ? 0.0 : std::numeric_limits<double>::infinity();
    if (e > res.max_ulp) {
      res.max_ulp = e;
      res.worst_x = xs[i];
    }
  }
  return res;
}

double ref_tanh(double x) { return std::tanh(x); }
double ref_logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double ref_gelu(double x) { return 0.5 * x * std::erfc(-x * 0.70710678118654752440); }

// The ulp bounds the header states (the figures each table measures are printed).
constexpr double kTanhUlp = 3, kLogisticUlp = 4, kGeluUlp = 6;

TEST_P(DenseTable, ActivationsWithinUlpBounds) {
  const std::vector<float> xs = sweep(200.0f, 997);
  const UlpResult th = measure(t().tanh_f32, ref_tanh, xs);
  const UlpResult lg = measure(t().logistic_f32, ref_logistic, xs);
  const UlpResult ge = measure(t().gelu_f32, ref_gelu, xs);
  std::printf("[ %s ] max ulp: tanh %.3f (x = %.9g), logistic %.3f (x = %.9g), gelu %.3f (x = %.9g) over %zu values\n",
              t().isa, th.max_ulp, th.worst_x, lg.max_ulp, lg.worst_x, ge.max_ulp, ge.worst_x, xs.size());
  EXPECT_LE(th.max_ulp, kTanhUlp) << "tanh at " << th.worst_x;
  EXPECT_LE(lg.max_ulp, kLogisticUlp) << "logistic at " << lg.worst_x;
  EXPECT_LE(ge.max_ulp, kGeluUlp) << "gelu at " << ge.worst_x;
}

TEST_P(DenseTable, ActivationLimitsAndSpecialValues) {
  // One call over a vector of specials (odd length: a vector tail too).
  const std::vector<float> xs = {0.0f, -0.0f, kInf, -kInf, kNan, 9.1f, -9.1f, 20.0f, -20.0f, 1e30f, -1e30f,
                                 200.0f, -200.0f, 15.0f, -15.0f, 100.0f, -100.0f};
  auto run = [&](void (*fn)(float*, size_t)) {
    std::vector<float> y = xs;
    fn(y.data(), y.size());
    return y;
  };
  const std::vector<float> th = run(t().tanh_f32), lg = run(t().logistic_f32), ge = run(t().gelu_f32);
  for (size_t i = 0; i < xs.size(); ++i) {
    const float x = xs[i];
    SCOPED_TRACE(x);
    if (std::isnan(x)) {
      EXPECT_TRUE(std::isnan(th[i]));
      EXPECT_TRUE(std::isnan(lg[i]));
      EXPECT_TRUE(std::isnan(ge[i]));
      continue;
    }
    EXPECT_FALSE(std::isnan(th[i]) || std::isnan(lg[i]) || std::isnan(ge[i]));
    if (std::fabs(x) >= 9.1f) EXPECT_EQ(th[i], std::copysign(1.0f, x));
    if (x == 0) {
      EXPECT_EQ(th[i], 0.0f);
      EXPECT_EQ(std::signbit(th[i]), std::signbit(x));
      EXPECT_EQ(lg[i], 0.5f);
      EXPECT_EQ(ge[i], 0.0f);
    }
    if (x >= 20) EXPECT_EQ(lg[i], 1.0f);
    if (x <= -104) EXPECT_EQ(lg[i], 0.0f);
    if (x >= 15) EXPECT_EQ(ge[i], x);
    if (x <= -15) EXPECT_EQ(ge[i], 0.0f);
  }
  // Every length up to 40: the tails of the vector loops.
  for (size_t n = 0; n <= 40; ++n) {
    std::vector<float> x = random_floats(n, -6.0f, 6.0f, 100 + static_cast<uint32_t>(n)), y = x;
    t().tanh_f32(y.data(), n);
    for (size_t i = 0; i < n; ++i) EXPECT_LE(std::fabs(y[i] - std::tanh(double{x[i]})) / ulp_at(std::tanh(x[i])), kTanhUlp);
  }
}

TEST_P(DenseTable, ReluAndLeakyRelu) {
  const std::vector<float> xs = {0.0f, -0.0f, 1.5f, -1.5f, kInf, -kInf, kNan, 1e-40f, -1e-40f, 3.0f, -7.0f,
                                 2.0f, -2.0f, 5.0f, -5.0f, 6.0f, -6.0f, 8.0f};
  std::vector<float> r = xs, l = xs;
  t().relu_f32(r.data(), r.size());
  t().leaky_relu_f32(l.data(), l.size(), 0.01f);
  for (size_t i = 0; i < xs.size(); ++i) {
    const float x = xs[i];
    const float er = x < 0 ? 0.0f : x, el = x < 0 ? 0.01f * x : x;
    EXPECT_EQ(std::bit_cast<uint32_t>(r[i]) == std::bit_cast<uint32_t>(er) || (std::isnan(x) && std::isnan(r[i])), true)
        << x;
    EXPECT_EQ(std::bit_cast<uint32_t>(l[i]) == std::bit_cast<uint32_t>(el) || (std::isnan(x) && std::isnan(l[i])), true)
        << x;
  }
}

// ---------------------------------------------------------------- softmax

TEST_P(DenseTable, SoftmaxPerRow) {
  const size_t ns[] = {1, 2, 3, 7, 10, 15, 16, 17, 33, 100, 1000};
  uint32_t seed = 7;
  for (size_t n : ns)
    for (float spread : {1.0f, 30.0f, 100.0f}) {
      const size_t m = 3;
      std::vector<float> x = random_floats(m * n, -spread, spread, seed++), y = x;
      t().softmax_f32(y.data(), m, n);
      for (size_t r = 0; r < m; ++r) {
        const float* xr = x.data() + r * n;
        const double mx = *std::max_element(xr, xr + n);
        double sum = 0;
        for (size_t i = 0; i < n; ++i) sum += std::exp(xr[i] - mx);
        for (size_t i = 0; i < n; ++i) {
          const double ref = std::exp(xr[i] - mx) / sum;
          const double bound = ref * (n + 8 + std::fabs(xr[i] - mx)) * kU + std::ldexp(1.0, -148);
          ASSERT_LE(std::fabs(y[r * n + i] - ref), bound) << "n " << n << " spread " << spread << " i " << i;
        }
      }
    }
  // NaN makes its row NaN, and only its row; -inf gives 0; equal values 1/n.
  std::vector<float> x = {1.0f, kNan, 2.0f, 3.0f, 5.0f, -kInf, 5.0f, 5.0f, 4.0f, 4.0f, 4.0f, 4.0f};
  t().softmax_f32(x.data(), 3, 4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(std::isnan(x[i]));
  EXPECT_EQ(x[5], 0.0f);
  EXPECT_NEAR(x[4], 1.0 / 3, 1e-7);
  for (int i = 8; i < 12; ++i) EXPECT_EQ(x[i], 0.25f);
}

// ---------------------------------------------------------------- quantize_s8

// The documented formula, written plainly.
void quantize_reference(const float* a, size_t m, size_t k, size_t kp, const float* inv_scale, bool unsigned_range,
                        int8_t* q, float* scale) {
  const float levels = unsigned_range ? 255.0f : 127.0f, lo = unsigned_range ? 0.0f : -127.0f;
  for (size_t r = 0; r < m; ++r) {
    float inv;
    if (inv_scale) {
      inv = *inv_scale;
    } else {
      float amax = 0;
      for (size_t i = 0; i < k; ++i)
        if (!std::isnan(a[r * k + i])) amax = std::max(amax, std::fabs(a[r * k + i]));
      scale[r] = amax / levels;
      inv = amax == 0 ? 0.0f : levels / amax;
    }
    for (size_t i = 0; i < kp; ++i) {
      int v = 0;
      if (i < k) {
        const float p = a[r * k + i] * inv;
        v = std::isnan(p) ? 0 : static_cast<int>(std::clamp(std::nearbyint(p), lo, levels));
        if (unsigned_range) v -= 128;
      }
      q[r * kp + i] = static_cast<int8_t>(v);
    }
  }
}

void check_quantize(const DenseKernelTable& t, const std::vector<float>& a, size_t m, size_t k, size_t kp,
                    const float* inv_scale, const char* what) {
  for (bool unsigned_range : {false, true}) {
    std::vector<int8_t> q(m * kp + 8, 0x55), qr(m * kp + 8, 0x55);
    std::vector<float> s(m + 1, -1.0f), sr(m + 1, -1.0f);
    t.quantize_s8(a.data(), m, k, kp, inv_scale, unsigned_range, q.data(), s.data());
    quantize_reference(a.data(), m, k, kp, inv_scale, unsigned_range, qr.data(), sr.data());
    ASSERT_EQ(std::memcmp(q.data(), qr.data(), q.size()), 0)
        << what << " k " << k << " kp " << kp << (unsigned_range ? " unsigned" : "");
    for (size_t r = 0; r <= m; ++r)
      ASSERT_EQ(std::bit_cast<uint32_t>(s[r]), std::bit_cast<uint32_t>(sr[r])) << what << " k " << k << " row " << r;
  }
}

TEST_P(DenseTable, QuantizeS8BitIdentical) {
  uint32_t seed = 11;
  for (size_t k : {1, 3, 4, 7, 15, 16, 17, 31, 33, 64, 100, 257, 784})
    for (size_t extra : {0, 3, 9}) {
      const size_t kp = (k + 3) / 4 * 4 + (extra == 9 ? 8 : 0);
      const size_t m = 3 + extra % 2;
      std::vector<float> a = random_floats(m * k, -3.0f, 3.0f, seed++);
      check_quantize(t(), a, m, k, kp, nullptr, "random");
      const float inv = 40.0f;  // static: many values clamp
      check_quantize(t(), a, m, k, kp, &inv, "static");
      // Ties: amax 127 makes the multiplier exactly 1; x.5 must round to even.
      for (size_t i = 0; i < a.size(); ++i) a[i] = std::ldexp(static_cast<float>(static_cast<int>(i % 509) - 254), -1);
      for (size_t r = 0; r < m; ++r) a[r * k] = (r % 2) ? -127.0f : 127.0f;
      check_quantize(t(), a, m, k, kp, nullptr, "ties");
      const float half = 0.5f;  // static: odd integers halve to ties
      check_quantize(t(), a, m, k, kp, &half, "static ties");
      // NaN (ignored by amax, quantized to 0), a zero row, an all-NaN row, infinities.
      std::vector<float> b = random_floats(m * k, -1.0f, 1.0f, seed++);
      for (size_t i = 0; i < b.size(); i += 3) b[i] = kNan;
      for (size_t i = 0; i < k; ++i) b[i] = (i % 2) ? 0.0f : -0.0f;
      if (m > 3)
        for (size_t i = 0; i < k; ++i) b[3 * k + i] = kNan;
      check_quantize(t(), b, m, k, kp, nullptr, "nan/zero");
      check_quantize(t(), b, m, k, kp, &inv, "nan static");
      b[k + k / 2] = -kInf;
      check_quantize(t(), b, m, k, kp, nullptr, "inf");
    }
}

// ---------------------------------------------------------------- int8

TEST(DenseInt8Pack, LayoutAndColumnSums) {
  for (size_t outputs : {1, 10, 16, 17, 40})
    for (size_t inputs : {1, 4, 5, 7, 64, 66}) {
      std::mt19937 gen(static_cast<uint32_t>(outputs * 100 + inputs));
      std::uniform_int_distribution<int> dist(-127, 127);
      std::vector<int8_t> w(outputs * inputs);
      for (int8_t& v : w) v = static_cast<int8_t>(dist(gen));
      const size_t k4 = (inputs + 3) / 4, blocks = (outputs + 15) / 16;
      ASSERT_EQ(packed_int8_size(outputs, inputs), blocks * k4 * 64);
      std::vector<int8_t> packed(packed_int8_size(outputs, inputs), 99);
      std::vector<int32_t> sums(outputs, -1);
      pack_int8_weights(w.data(), outputs, inputs, packed.data(), sums.data());
      for (size_t b = 0; b < blocks; ++b)
        for (size_t g = 0; g < k4; ++g)
          for (size_t ob = 0; ob < 16; ++ob)
            for (size_t j = 0; j < 4; ++j) {
              const size_t o = b * 16 + ob, i = 4 * g + j;
              const int8_t expect = (o < outputs && i < inputs) ? w[o * inputs + i] : 0;
              ASSERT_EQ(packed[((b * k4 + g) * 16 + ob) * 4 + j], expect);
            }
      for (size_t o = 0; o < outputs; ++o) {
        int32_t s = 0;
        for (size_t i = 0; i < inputs; ++i) s += w[o * inputs + i];
        EXPECT_EQ(sums[o], s);
      }
    }
}

struct Int8Problem {
  size_t m, k, n;
  std::vector<int8_t> q, w, packed;
  std::vector<int32_t> sums;
  std::vector<int64_t> ref;
  PackedInt8 view() const {
    PackedInt8 p;
    p.values = packed.data();
    p.column_sums = sums.data();
    p.inputs = k;
    p.outputs = n;
    return p;
  }
};

// mode 0: random (q in [-128, 127]: -128 comes from unsigned-range quantization);
// 1: all +127 (q and w); 2: q +-127, w of the same sign (every product +16129);
// 3: q = 127, w = -127; 4: q = -128, w = 127; 5: q = -128, w = -127 (pair sums 32512).
Int8Problem make_int8(size_t m, size_t k, size_t n, int mode, uint32_t seed) {
  Int8Problem p{m, k, n, {}, {}, {}, {}, {}};
  const size_t kp = (k + 3) / 4 * 4;
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> dist(-127, 127), qdist(-128, 127);
  p.q.resize(m * kp);
  p.w.resize(n * k);
  for (size_t r = 0; r < m; ++r)
    for (size_t i = 0; i < kp; ++i) {
      int v = qdist(gen);  // the padding holds garbage too: it meets zero weights
      if (i < k && mode == 1) v = 127;
      if (i < k && mode == 2) v = ((r + i) % 2) ? 127 : -127;
      if (i < k && mode == 3) v = 127;
      if (i < k && mode >= 4) v = -128;
      p.q[r * kp + i] = static_cast<int8_t>(v);
    }
  for (size_t o = 0; o < n; ++o)
    for (size_t i = 0; i < k; ++i) {
      int v = dist(gen);
      if (mode == 1) v = 127;
      if (mode == 2) v = i % 2 ? 127 : -127;  // times q of row r: same sign on even rows
      if (mode == 3 || mode == 5) v = -127;
      if (mode == 4) v = 127;
      p.w[o * k + i] = static_cast<int8_t>(v);
    }
  p.packed.resize(packed_int8_size(n, k));
  p.sums.resize(n);
  pack_int8_weights(p.w.data(), n, k, p.packed.data(), p.sums.data());
  p.ref.resize(m * n);
  for (size_t r = 0; r < m; ++r)
    for (size_t o = 0; o < n; ++o) {
      int64_t s = 0;
      for (size_t i = 0; i < k; ++i) s += int64_t{p.q[r * kp + i]} * p.w[o * k + i];
      p.ref[r * n + o] = s;
    }
  return p;
}

TEST_P(DenseInt8, GemmS8ExactAgainstInt64) {
  EXPECT_STREQ(kern().isa, GetParam().name);
  uint32_t seed = 3;
  for (size_t m : {1, 2, 3, 4, 5, 7, 16, 17})
    for (size_t k : {1, 3, 4, 5, 7, 64, 100, 257, 784})
      for (size_t n : {1, 2, 10, 15, 16, 17, 31, 33, 64, 100, 129, 256, 300})
        for (int mode = 0; mode < 6; ++mode) {
          if (mode > 0 && (m > 5 || n > 100)) continue;
          const Int8Problem p = make_int8(m, k, n, mode, seed++);
          std::vector<int32_t> acc(m * n, INT32_MIN);
          kern().gemm_s8(p.q.data(), m, p.view(), acc.data());
          for (size_t i = 0; i < acc.size(); ++i)
            ASSERT_EQ(acc[i], p.ref[i]) << "m " << m << " k " << k << " n " << n << " mode " << mode << " at " << i;
        }
  // The largest sums: q = w = 127 over 8000 inputs (+129 million, no overflow).
  for (int mode = 1; mode < 6; ++mode) {
    const Int8Problem p = make_int8(3, 8000, 20, mode, 5);
    std::vector<int32_t> acc(3 * 20);
    kern().gemm_s8(p.q.data(), 3, p.view(), acc.data());
    for (size_t i = 0; i < acc.size(); ++i) ASSERT_EQ(acc[i], p.ref[i]) << "mode " << mode;
  }
}

// ---------------------------------------------------------------- buffer bounds

// Inputs are exactly sized vectors (ASan flags any read past them); outputs live in
// larger buffers whose canaries after the output must survive.
TEST_P(DenseTable, StaysInsideBuffers) {
  constexpr float kCanary = 12345.0f;
  for (size_t m : {1, 2, 3, 5})
    for (size_t k : {1, 3, 7, 17})
      for (size_t n : {1, 3, 9, 15, 17, 31, 33, 100}) {
        const std::vector<float> a = random_floats(m * k, -1, 1, 1), w = random_floats(k * n, -1, 1, 2),
                                 bias = random_floats(n, -1, 1, 3);
        std::vector<float> c(m * n + 64, kCanary);
        t().gemm_f32(a.data(), m, k, w.data(), n, bias.data(), c.data());
        for (size_t i = m * n; i < c.size(); ++i) ASSERT_EQ(c[i], kCanary);
        std::vector<float> exact(c.begin(), c.begin() + m * n);  // exactly sized, in place
        t().gemm_f32(a.data(), m, k, w.data(), n, bias.data(), exact.data());
        t().relu_f32(exact.data(), exact.size());
        t().leaky_relu_f32(exact.data(), exact.size(), 0.1f);
        t().tanh_f32(exact.data(), exact.size());
        t().logistic_f32(exact.data(), exact.size());
        t().gelu_f32(exact.data(), exact.size());
        t().softmax_f32(exact.data(), m, n);
        std::vector<float> x(m * n + 64, kCanary);
        std::copy(exact.begin(), exact.end(), x.begin());
        for (auto fn : {t().relu_f32, t().tanh_f32, t().logistic_f32, t().gelu_f32}) fn(x.data(), m * n);
        t().softmax_f32(x.data(), m, n);
        for (size_t i = m * n; i < x.size(); ++i) ASSERT_EQ(x[i], kCanary);
        const size_t kp = (n + 3) / 4 * 4;  // quantize rows of n values
        std::vector<int8_t> q(m * kp + 64, 0x5a);
        std::vector<float> s(m);
        t().quantize_s8(exact.data(), m, n, kp, nullptr, false, q.data(), s.data());
        for (size_t i = m * kp; i < q.size(); ++i) ASSERT_EQ(q[i], 0x5a);
        std::vector<int8_t> q_exact(m * kp);
        t().quantize_s8(exact.data(), m, n, kp, nullptr, true, q_exact.data(), s.data());
      }
}

TEST_P(DenseInt8, StaysInsideBuffers) {
  for (size_t m : {1, 2, 3, 5})
    for (size_t k : {1, 3, 7, 17})
      for (size_t n : {1, 3, 15, 17, 33}) {
        const Int8Problem p = make_int8(m, k, n, 0, 9);  // q, packed, sums: exactly sized
        std::vector<int32_t> acc(m * n);
        kern().gemm_s8(p.q.data(), m, p.view(), acc.data());
        for (size_t i = 0; i < acc.size(); ++i) ASSERT_EQ(acc[i], p.ref[i]);
        std::vector<int32_t> big(m * n + 32, 777);
        kern().gemm_s8(p.q.data(), m, p.view(), big.data());
        for (size_t i = m * n; i < big.size(); ++i) ASSERT_EQ(big[i], 777);
      }
}

std::string table_name(const ::testing::TestParamInfo<TableCase>& info) { return info.param.name; }
std::string int8_name(const ::testing::TestParamInfo<Int8Case>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Dense, DenseTable, ::testing::ValuesIn(kTables), table_name);
INSTANTIATE_TEST_SUITE_P(Dense, DenseInt8, ::testing::ValuesIn(kInt8), int8_name);

}  // namespace
}  // namespace xylem::kernels
