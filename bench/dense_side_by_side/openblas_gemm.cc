// The OpenBLAS baseline of the dense side-by-side benchmark: how long cblas_sgemm (or
// cblas_dgemm) alone takes for the layer shapes of a model, at M rows.
//
//   openblas_gemm --m 10000 --layers 100x256,256x256,256x256,256x10 --threads 1 [--seconds 2] [--double]
//                 [--block 256 [--copy-input]]
//
// For each layer K×N: C (M×N) = A (M×K) · B (K×N), row-major, alpha 1, beta 0, no
// transposes; each layer's A is the previous layer's C (as in a forward pass), the first A
// is random. One timed pass runs every layer in order; passes repeat for --seconds after one
// untimed pass. Prints one JSON object: per-layer median ms, the median of the pass totals,
// GFLOP/s. Built by build_openblas_gemm.sh (g++ -O2, pkg-config openblas), not by CMake.
//
// Without --block, one BLAS call per layer on all M rows, OpenBLAS using --threads threads.
// With --block B, the way xylem's dense engine runs a batch: the M rows are split into
// --threads contiguous ranges (std::threads, OpenBLAS kept at 1 thread), and each thread
// runs its range B rows at a time through every layer (per-layer times are then not
// recorded). --copy-input also copies each block's input rows into a scratch buffer first,
// as the engine does when it converts the rows it is handed.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

extern "C" void openblas_set_num_threads(int);
extern "C" int openblas_get_num_threads(void);
extern "C" char* openblas_get_config(void);

namespace {

struct Shape {
  int k, n;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

template <typename T>
void gemm(int m, int n, int k, const T* a, const T* b, T* c);
template <>
void gemm<float>(int m, int n, int k, const float* a, const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
}
template <>
void gemm<double>(int m, int n, int k, const double* a, const double* b, double* c) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0, a, k, b, n, 0.0, c, n);
}

template <typename T>
int run(int m, const std::vector<Shape>& layers, double seconds, int threads, int block, bool copy_input) {
  std::mt19937 rng(42);
  std::normal_distribution<double> nd(0.0, 1.0);
  std::vector<std::vector<T>> w(layers.size()), act(layers.size() + 1);
  act[0].resize(size_t(m) * layers[0].k);
  for (auto& x : act[0]) x = T(nd(rng));
  for (size_t l = 0; l < layers.size(); ++l) {
    w[l].resize(size_t(layers[l].k) * layers[l].n);
    for (auto& x : w[l]) x = T(nd(rng) / std::sqrt(double(layers[l].k)));
    act[l + 1].assign(size_t(m) * layers[l].n, T(0));
  }
  using clk = std::chrono::steady_clock;
  std::vector<std::vector<double>> per(layers.size());
  std::vector<double> totals;
  int widest = layers[0].k;
  for (auto& s : layers) widest = std::max(widest, s.n);
  // Block mode: per thread, two ping-pong buffers of block × widest.
  std::vector<std::vector<T>> scratch_a(threads), scratch_b(threads);
  for (int t = 0; t < threads; ++t) {
    scratch_a[t].assign(size_t(block > 0 ? block : 1) * widest, T(0));
    scratch_b[t].assign(size_t(block > 0 ? block : 1) * widest, T(0));
  }
  auto thread_range = [&](int t) {
    // contiguous ranges, multiples of the block as far as possible
    const int blocks = (m + block - 1) / block;
    const int b0 = int(int64_t(blocks) * t / threads), b1 = int(int64_t(blocks) * (t + 1) / threads);
    for (int b = b0; b < b1; ++b) {
      const int r0 = b * block, rows = std::min(block, m - r0);
      const T* in = act[0].data() + size_t(r0) * layers[0].k;
      T* x = scratch_a[t].data();
      T* y = scratch_b[t].data();
      if (copy_input) {
        std::copy_n(in, size_t(rows) * layers[0].k, x);
        in = x;
        std::swap(x, y);  // the first layer writes into the other buffer
      }
      for (size_t l = 0; l < layers.size(); ++l) {
        T* out = (l + 1 == layers.size()) ? act.back().data() + size_t(r0) * layers[l].n : x;
        gemm<T>(rows, layers[l].n, layers[l].k, in, w[l].data(), out);
        in = out;
        std::swap(x, y);
      }
    }
  };
  auto pass = [&](bool record) {
    if (block > 0) {
      auto a = clk::now();
      if (threads == 1) {
        thread_range(0);
      } else {
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) pool.emplace_back(thread_range, t);
        for (auto& th : pool) th.join();
      }
      if (record) totals.push_back(std::chrono::duration<double, std::milli>(clk::now() - a).count());
      return;
    }
    double tot = 0;
    for (size_t l = 0; l < layers.size(); ++l) {
      auto a = clk::now();
      gemm<T>(m, layers[l].n, layers[l].k, act[l].data(), w[l].data(), act[l + 1].data());
      double ms = std::chrono::duration<double, std::milli>(clk::now() - a).count();
      tot += ms;
      if (record) per[l].push_back(ms);
    }
    if (record) totals.push_back(tot);
  };
  pass(false);
  auto begin = clk::now();
  while (totals.size() < 5 || std::chrono::duration<double>(clk::now() - begin).count() < seconds) pass(true);
  double flops = 0;
  for (auto& s : layers) flops += 2.0 * m * s.k * s.n;
  double total = median(totals);
  std::printf("{\"m\": %d, \"threads\": %d, \"openblas_threads\": %d, \"block\": %d, \"copy_input\": %s, "
              "\"dtype\": \"%s\", \"passes\": %zu, ", m, threads, openblas_get_num_threads(), block,
              copy_input ? "true" : "false", sizeof(T) == 4 ? "float32" : "float64", totals.size());
  std::printf("\"config\": \"%s\", \"layers\": [", openblas_get_config());
  for (size_t l = 0; l < layers.size(); ++l)
    std::printf("%s{\"k\": %d, \"n\": %d, \"median_ms\": %.4f}", l ? ", " : "", layers[l].k, layers[l].n,
                per[l].empty() ? 0.0 : median(per[l]));
  std::printf("], \"sum_of_layer_medians_ms\": %.4f, \"total_median_ms\": %.4f, \"total_min_ms\": %.4f, \"gflops\": %.2f}\n",
              [&] { double s = 0; for (auto& p : per) s += p.empty() ? 0.0 : median(p); return s; }(), total,
              *std::min_element(totals.begin(), totals.end()), flops / (total * 1e6));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int m = 10000, threads = 1, block = 0;
  double seconds = 2.0;
  bool dbl = false, copy_input = false;
  std::vector<Shape> layers;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) { std::fprintf(stderr, "%s needs a value\n", a.c_str()); std::exit(2); }
      return argv[++i];
    };
    if (a == "--m") m = std::atoi(next().c_str());
    else if (a == "--threads") threads = std::atoi(next().c_str());
    else if (a == "--seconds") seconds = std::atof(next().c_str());
    else if (a == "--double") dbl = true;
    else if (a == "--block") block = std::atoi(next().c_str());
    else if (a == "--copy-input") copy_input = true;
    else if (a == "--layers") {
      std::string s = next();
      size_t p = 0;
      while (p < s.size()) {
        size_t q = s.find(',', p);
        if (q == std::string::npos) q = s.size();
        Shape sh{};
        if (std::sscanf(s.substr(p, q - p).c_str(), "%dx%d", &sh.k, &sh.n) != 2) {
          std::fprintf(stderr, "bad layer %s (expected KxN)\n", s.substr(p, q - p).c_str());
          return 2;
        }
        layers.push_back(sh);
        p = q + 1;
      }
    } else {
      std::fprintf(stderr, "usage: %s --m M --layers KxN,... --threads T [--seconds S] [--double] [--block B [--copy-input]]\n",
                   argv[0]);
      return 2;
    }
  }
  if (layers.empty()) { std::fprintf(stderr, "--layers is required\n"); return 2; }
  if (threads < 1 || m < 1 || block < 0) { std::fprintf(stderr, "bad --m, --threads or --block\n"); return 2; }
  if (copy_input && block == 0) { std::fprintf(stderr, "--copy-input needs --block\n"); return 2; }
  openblas_set_num_threads(block > 0 ? 1 : threads);
  return dbl ? run<double>(m, layers, seconds, threads, block, copy_input)
             : run<float>(m, layers, seconds, threads, block, copy_input);
}
