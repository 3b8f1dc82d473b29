// The dense-layer kernels (kernels/dense_kernels.h) under Google Benchmark: gemm_f32 of
// every table and gemm_s8 of every int8 kernel this CPU runs, for batches of 1 and 16
// rows and the layer shapes of the MLPs and linear models xylem serves (inputs x
// outputs: 100x256, 256x256, 256x10, 784x10). Also the activations over 256 values.
//   build/bench/xylem_dense_bench --benchmark_filter=gemm_s8
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dense_kernels.h"

namespace {

using namespace xylem::kernels;

struct Shape {
  size_t k, n;
};
const Shape kShapes[] = {{100, 256}, {256, 256}, {256, 10}, {784, 10}};
const size_t kRows[] = {1, 16};

std::vector<float> random_floats(size_t count, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& x : v) x = dist(gen);
  return v;
}

void bench_f32(benchmark::State& state, const DenseKernelTable* t, size_t m, Shape s) {
  const std::vector<float> a = random_floats(m * s.k, 1), w = random_floats(s.k * s.n, 2), bias = random_floats(s.n, 3);
  std::vector<float> c(m * s.n);
  for (auto _ : state) {
    t->gemm_f32(a.data(), m, s.k, w.data(), s.n, bias.data(), c.data());
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  state.counters["GMAC/s"] =
      benchmark::Counter(static_cast<double>(m * s.k * s.n) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void bench_s8(benchmark::State& state, const Int8GemmKernel* kern, size_t m, Shape s) {
  std::mt19937 gen(4);
  std::uniform_int_distribution<int> dist(-127, 127);
  const size_t kp = (s.k + 3) / 4 * 4;
  std::vector<int8_t> q(m * kp), w(s.n * s.k);
  for (auto& v : q) v = static_cast<int8_t>(dist(gen));
  for (auto& v : w) v = static_cast<int8_t>(dist(gen));
  std::vector<int8_t> packed(packed_int8_size(s.n, s.k));
  std::vector<int32_t> sums(s.n), acc(m * s.n);
  pack_int8_weights(w.data(), s.n, s.k, packed.data(), sums.data());
  PackedInt8 p;
  p.values = packed.data();
  p.column_sums = sums.data();
  p.inputs = s.k;
  p.outputs = s.n;
  for (auto _ : state) {
    kern->gemm_s8(q.data(), m, p, acc.data());
    benchmark::DoNotOptimize(acc.data());
    benchmark::ClobberMemory();
  }
  state.counters["GMAC/s"] =
      benchmark::Counter(static_cast<double>(m * s.k * s.n) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void bench_activation(benchmark::State& state, void (*fn)(float*, size_t)) {
  std::vector<float> x = random_floats(256, 5), y(256);
  for (auto _ : state) {
    y = x;
    fn(y.data(), y.size());
    benchmark::DoNotOptimize(y.data());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<const DenseKernelTable*> tables = {&dense_kernels_portable()};
  if (cpu_has_avx2_fma()) tables.push_back(&dense_kernels_avx2());
  if (cpu_has_avx512()) tables.push_back(&dense_kernels_avx512());
  std::vector<const Int8GemmKernel*> int8 = {&int8_gemm_portable()};
  if (cpu_has_avx2()) int8.push_back(&int8_gemm_avx2());
  if (cpu_has_avx_vnni()) int8.push_back(&int8_gemm_avx_vnni());
  if (cpu_has_avx512_vnni()) int8.push_back(&int8_gemm_avx512_vnni());
  for (size_t m : kRows)
    for (Shape s : kShapes) {
      const std::string shape = "/m" + std::to_string(m) + "/" + std::to_string(s.k) + "x" + std::to_string(s.n);
      for (const DenseKernelTable* t : tables)
        benchmark::RegisterBenchmark(("gemm_f32/" + std::string(t->isa) + shape).c_str(), bench_f32, t, m, s);
      for (const Int8GemmKernel* k : int8)
        benchmark::RegisterBenchmark(("gemm_s8/" + std::string(k->isa) + shape).c_str(), bench_s8, k, m, s);
    }
  for (const DenseKernelTable* t : tables) {
    const std::string isa = t->isa;
    benchmark::RegisterBenchmark(("tanh/" + isa + "/256").c_str(), bench_activation, t->tanh_f32);
    benchmark::RegisterBenchmark(("logistic/" + isa + "/256").c_str(), bench_activation, t->logistic_f32);
    benchmark::RegisterBenchmark(("gelu/" + isa + "/256").c_str(), bench_activation, t->gelu_f32);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
