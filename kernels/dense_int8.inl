// The int8 matrix product (Int8GemmKernel::gemm_s8), written once over an "Ops" type
// and included by dense_avx2.cc, dense_avx_vnni.cc and dense_avx512_vnni.cc, each
// compiled with its own flags. In an unnamed namespace: each file has its own copy.
//
// Ops provides: Acc (the int32 sums of one block of kInt8Block outputs: one zmm or two
// ymm), Q (4 bytes of one row of q, broadcast and prepared), zero(), prep(q + 4 g),
// dot(acc, Q, group) (acc += the 16 x 4 products of one 64-byte weight group), add,
// store(out, acc, column_sums, count) (the first count sums, corrected if the kernel
// offsets q), kMaxRows, nb_max(rows) (blocks per tile) and kMinChains (independent
// accumulators wanted to hide the dot's latency).
//
// A tile is R rows x NB blocks; each weight group is loaded once for its R rows, and
// when R * NB accumulators are fewer than kMinChains, U interleaved groups get their
// own accumulators (summed at the end: int32 sums are exact in any order).
#include <cstddef>
#include <cstdint>

#include "kernels/dense_kernels.h"

namespace xylem::kernels {
namespace {

inline constexpr size_t kGroupBytes = kInt8Block * 4;

template <class O, int R, int NB, int U>
void s8_tile(const int8_t* q, size_t kp, size_t k4, const int8_t* wb, const int32_t* column_sums, int32_t* out,
             size_t n, size_t o0) {
  using Acc = typename O::Acc;
  const size_t bstride = k4 * kGroupBytes;
  Acc acc[U][R][NB];
  for (int u = 0; u < U; ++u)
    for (int r = 0; r < R; ++r)
      for (int b = 0; b < NB; ++b) acc[u][r][b] = O::zero();
  size_t g = 0;
  for (; g + U <= k4; g += U) {
    for (int u = 0; u < U; ++u)
      for (int r = 0; r < R; ++r) {
        const typename O::Q qq = O::prep(q + r * kp + 4 * (g + u));
        for (int b = 0; b < NB; ++b) acc[u][r][b] = O::dot(acc[u][r][b], qq, wb + b * bstride + (g + u) * kGroupBytes);
      }
  }
  for (; g < k4; ++g)
    for (int r = 0; r < R; ++r) {
      const typename O::Q qq = O::prep(q + r * kp + 4 * g);
      for (int b = 0; b < NB; ++b) acc[0][r][b] = O::dot(acc[0][r][b], qq, wb + b * bstride + g * kGroupBytes);
    }
  for (int r = 0; r < R; ++r)
    for (int b = 0; b < NB; ++b) {
      Acc s = acc[0][r][b];
      for (int u = 1; u < U; ++u) s = O::add(s, acc[u][r][b]);
      const size_t o = o0 + b * kInt8Block;
      O::store(out + r * n + o, s, column_sums + o, n - o < kInt8Block ? n - o : kInt8Block);
    }
}

template <class O, int R, int NB>
void s8_dispatch(int nb, const int8_t* q, size_t kp, size_t k4, const int8_t* wb, const int32_t* column_sums,
                 int32_t* out, size_t n, size_t o0) {
  if (nb == NB) {
    constexpr int kU = O::kMinChains / (R * NB) > 1 ? O::kMinChains / (R * NB) : 1;
    s8_tile<O, R, NB, kU>(q, kp, k4, wb, column_sums, out, n, o0);
  } else if constexpr (NB > 1) {
    s8_dispatch<O, R, NB - 1>(nb, q, kp, k4, wb, column_sums, out, n, o0);
  }
}

template <class O, int R>
void s8_rows(const int8_t* q, const PackedInt8& w, int32_t* out) {
  constexpr int kNb = O::nb_max(R);
  const size_t kp = w.padded_inputs(), k4 = kp / 4, blocks = w.blocks();
  for (size_t b0 = 0; b0 < blocks; b0 += kNb) {
    const int nb = static_cast<int>(blocks - b0 < size_t{kNb} ? blocks - b0 : size_t{kNb});
    s8_dispatch<O, R, kNb>(nb, q, kp, k4, w.values + b0 * k4 * kGroupBytes, w.column_sums, out, w.outputs,
                           b0 * kInt8Block);
  }
}

// Panels of output blocks outer, row tiles inner: a panel's weights (kNb blocks x k,
// 16 KiB for k = 256) stay in L1 while every row tile passes over them, instead of
// coming from L2 once per tile (on a Zen 5, a 256 x 256 layer at 256 rows: 1.5x).
template <class O>
void gemm_s8_impl(const int8_t* q, size_t m, const PackedInt8& w, int32_t* acc) {
  constexpr int kR = O::kMaxRows;
  static_assert(kR == 2 || kR == 4);
  const size_t kp = w.padded_inputs(), k4 = kp / 4, n = w.outputs, blocks = w.blocks();
  if (m < static_cast<size_t>(kR)) {  // a few rows: the widest tiles, one pass over the weights
    switch (m) {
      case 3: s8_rows<O, 3>(q, w, acc); break;
      case 2: s8_rows<O, 2>(q, w, acc); break;
      case 1: s8_rows<O, 1>(q, w, acc); break;
      default: break;
    }
    return;
  }
  constexpr int kNb = O::nb_max(kR);
  for (size_t b0 = 0; b0 < blocks; b0 += kNb) {
    const int nb = static_cast<int>(blocks - b0 < size_t{kNb} ? blocks - b0 : size_t{kNb});
    const int8_t* panel = w.values + b0 * k4 * kGroupBytes;
    const size_t o0 = b0 * kInt8Block;
    size_t r = 0;
    for (; r + kR <= m; r += kR) s8_dispatch<O, kR, kNb>(nb, q + r * kp, kp, k4, panel, w.column_sums, acc + r * n, n, o0);
    switch (m - r) {
      case 3: s8_dispatch<O, 3, O::nb_max(3)>(nb, q + r * kp, kp, k4, panel, w.column_sums, acc + r * n, n, o0); break;
      case 2: s8_dispatch<O, 2, O::nb_max(2)>(nb, q + r * kp, kp, k4, panel, w.column_sums, acc + r * n, n, o0); break;
      case 1: s8_dispatch<O, 1, O::nb_max(1)>(nb, q + r * kp, kp, k4, panel, w.column_sums, acc + r * n, n, o0); break;
      default: break;
    }
  }
}

}  // namespace
}  // namespace xylem::kernels
