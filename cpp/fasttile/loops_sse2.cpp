// SSE2 hot loops: the x86-64 baseline, so no target region is needed. This file is
// its vector traits; the loops are minmax_loops.hpp and quantize_loops.hpp. float16
// has no converter in the baseline (F16C), so it widens through the scalar table.
#if defined(__x86_64__) || defined(_M_X64)
#include <cstring>
#include <emmintrin.h>

#include "hot_loops.hpp"

namespace fasttile {
namespace {

template <class T>
struct Vec;

template <>
struct Vec<float> {
    using V = __m128;
    static constexpr int width = 4;
    static V load(const float* p) { return _mm_loadu_ps(p); }
    static void store(float* p, V v) { _mm_storeu_ps(p, v); }
    static V set1(float v) { return _mm_set1_ps(v); }
    static V zero() { return _mm_setzero_ps(); }
    static V min(V a, V b) { return _mm_min_ps(a, b); }
    static V max(V a, V b) { return _mm_max_ps(a, b); }
    static V sub(V a, V b) { return _mm_sub_ps(a, b); }
    static V mul(V a, V b) { return _mm_mul_ps(a, b); }
    static V add(V a, V b) { return _mm_add_ps(a, b); }
    static V bit_or(V a, V b) { return _mm_or_ps(a, b); }
    static bool all_zero(V v) {
        return _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_castps_si128(v), _mm_setzero_si128())) == 0xffff;
    }
    static V finite(V v) {  // all-ones where |v| < inf: false for inf and NaN
        return _mm_cmplt_ps(_mm_and_ps(v, _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff))), _mm_set1_ps(__builtin_inff()));
    }
    static V select(V mask, V yes, V no) { return _mm_or_ps(_mm_and_ps(mask, yes), _mm_andnot_ps(mask, no)); }
    static int count_false(V mask) { return width - __builtin_popcount(static_cast<unsigned>(_mm_movemask_ps(mask))); }
    static std::int64_t scalar(const float* x, std::int64_t n, float* lo, float* hi) {
        return scalar_loops().minmax_f32(x, n, lo, hi);
    }
    // Per-lane integer counters of non-finite values: mask + 1 is 0 or 1.
    using Counter = __m128i;
    static Counter zero_counter() { return _mm_setzero_si128(); }
    static Counter count_not(Counter acc, V mask) {
        return _mm_add_epi32(acc, _mm_add_epi32(_mm_castps_si128(mask), _mm_set1_epi32(1)));
    }
    static void add_counts(Counter acc, std::int64_t* out) {
        alignas(16) std::int32_t c[4];
        _mm_store_si128(reinterpret_cast<__m128i*>(c), acc);
        for (int k = 0; k < 4; ++k) out[k] += c[k];
    }
    // Four vectors of levels -> 16 bytes (signed then unsigned saturation).
    static constexpr int pack = 4;
    static void store_levels(unsigned char* q, const V* v) {
        const __m128i w0 = _mm_packs_epi32(_mm_cvttps_epi32(v[0]), _mm_cvttps_epi32(v[1]));
        const __m128i w1 = _mm_packs_epi32(_mm_cvttps_epi32(v[2]), _mm_cvttps_epi32(v[3]));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q), _mm_packus_epi16(w0, w1));
    }
    // No byte lookup before SSSE3: the lane-row layout uses the scalar loop.
    static constexpr bool has_byte_lookup = false;
    static constexpr bool has_wide_lookup = false;
    static constexpr bool has_pair_lookup = false;
    static constexpr bool has_f16 = false;
    static V from_f16(const unsigned char*) { return zero(); }
    static V from_bf16(const unsigned char* src) {  // bfloat16 bits are a float's top half
        const __m128i bits = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src));
        return _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), bits));
    }
};

template <>
struct Vec<double> {
    using V = __m128d;
    static constexpr int width = 2;
    static V load(const double* p) { return _mm_loadu_pd(p); }
    // width floats widened to double (exact), for the squared-norm sums. The two floats
    // are loaded through memcpy: a float buffer is only 4-byte aligned for a double
    // (UBSan: misaligned load, met by the norms of an hwio bank's 37 channels).
    static V from_floats(const float* p) {
        double pair;
        std::memcpy(&pair, p, sizeof pair);
        return _mm_cvtps_pd(_mm_castpd_ps(_mm_set_sd(pair)));
    }
    // The short-tile norms' transposed reads (slot_sums_loops.hpp): `block` floats
    // from each of `block` rows, at rows[r] + at, widened; value k of row r lands in
    // vector k * (block / width) + r / width, lane r % width.
    static constexpr int block = 4;
    static void widen_columns(const float* const* rows, std::int64_t at, V* columns) {
        __m128 r0 = _mm_loadu_ps(rows[0] + at), r1 = _mm_loadu_ps(rows[1] + at);
        __m128 r2 = _mm_loadu_ps(rows[2] + at), r3 = _mm_loadu_ps(rows[3] + at);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        const __m128 c[4] = {r0, r1, r2, r3};
        for (int k = 0; k < 4; ++k) {
            columns[2 * k] = _mm_cvtps_pd(c[k]);
            columns[2 * k + 1] = _mm_cvtps_pd(_mm_movehl_ps(c[k], c[k]));
        }
    }
    static void store(double* p, V v) { _mm_storeu_pd(p, v); }
    static V set1(double v) { return _mm_set1_pd(v); }
    static V zero() { return _mm_setzero_pd(); }
    static V min(V a, V b) { return _mm_min_pd(a, b); }
    static V max(V a, V b) { return _mm_max_pd(a, b); }
    static V sub(V a, V b) { return _mm_sub_pd(a, b); }
    static V mul(V a, V b) { return _mm_mul_pd(a, b); }
    static V add(V a, V b) { return _mm_add_pd(a, b); }
    static V bit_or(V a, V b) { return _mm_or_pd(a, b); }
    static bool all_zero(V v) {
        return _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_castpd_si128(v), _mm_setzero_si128())) == 0xffff;
    }
    static V finite(V v) {
        const V magnitude = _mm_and_pd(v, _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL)));
        return _mm_cmplt_pd(magnitude, _mm_set1_pd(__builtin_inf()));
    }
    static V select(V mask, V yes, V no) { return _mm_or_pd(_mm_and_pd(mask, yes), _mm_andnot_pd(mask, no)); }
    static int count_false(V mask) { return width - __builtin_popcount(static_cast<unsigned>(_mm_movemask_pd(mask))); }
    static std::int64_t scalar(const double* x, std::int64_t n, double* lo, double* hi) {
        return scalar_loops().minmax_f64(x, n, lo, hi);
    }
    using Counter = __m128i;
    static Counter zero_counter() { return _mm_setzero_si128(); }
    static Counter count_not(Counter acc, V mask) {
        return _mm_add_epi64(acc, _mm_add_epi64(_mm_castpd_si128(mask), _mm_set1_epi64x(1)));
    }
    static void add_counts(Counter acc, std::int64_t* out) {
        alignas(16) std::int64_t c[2];
        _mm_store_si128(reinterpret_cast<__m128i*>(c), acc);
        for (int k = 0; k < 2; ++k) out[k] += c[k];
    }
    // Eight vectors (two levels each) -> 16 bytes.
    static constexpr int pack = 8;
    static void store_levels(unsigned char* q, const V* v) {
        __m128i quad[4];
        for (int j = 0; j < 4; ++j)
            quad[j] = _mm_unpacklo_epi64(_mm_cvttpd_epi32(v[2 * j]), _mm_cvttpd_epi32(v[2 * j + 1]));
        const __m128i w0 = _mm_packs_epi32(quad[0], quad[1]), w1 = _mm_packs_epi32(quad[2], quad[3]);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q), _mm_packus_epi16(w0, w1));
    }
};

}  // namespace
}  // namespace fasttile

#include "minmax_loops.hpp"    // SSE2 copies of the loops
#include "quantize_loops.hpp"  // ...
#include "lane_rows_loops.hpp"  // ...
#include "slot_sums_loops.hpp"  // ...
#include "loops_table.hpp"

namespace fasttile {

const HotLoops& sse2_loops() {
    static const HotLoops loops = make_loops<Vec<float>, Vec<double>>("sse2");
    return loops;
}

}  // namespace fasttile
#endif
