// SSE2 hot loops: the x86-64 baseline, so no target region is needed. Tails and
// float16 (no F16C in the baseline) go to the scalar table, which computes the
// same bytes.
#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>

#include "hot_loops.hpp"

namespace fasttile {
namespace {

// The vector operations the min/max loops need, for float (4 per vector) and
// double (2), so each loop is written once.
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
    static V bit_or(V a, V b) { return _mm_or_ps(a, b); }
    static __m128i bits(V v) { return _mm_castps_si128(v); }
    static V finite(V v) {  // all-ones where |v| < inf: false for inf and NaN
        return _mm_cmplt_ps(_mm_and_ps(v, _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff))), _mm_set1_ps(__builtin_inff()));
    }
    static V select(V mask, V yes, V no) { return _mm_or_ps(_mm_and_ps(mask, yes), _mm_andnot_ps(mask, no)); }
    static int count_false(V mask) { return width - __builtin_popcount(static_cast<unsigned>(_mm_movemask_ps(mask))); }
    static std::int64_t scalar(const float* x, std::int64_t n, float* lo, float* hi) {
        return scalar_loops().minmax_f32(x, n, lo, hi);
    }    static bool all_zero(V v) { return _mm_movemask_epi8(_mm_cmpeq_epi8(bits(v), _mm_setzero_si128())) == 0xffff; }
    // Per-lane integer counters of non-finite values: mask + 1 is 0 or 1.
    using Counter = __m128i;
    static Counter zero_counter() { return _mm_setzero_si128(); }
    static Counter count_not(Counter acc, V mask) { return _mm_add_epi32(acc, _mm_add_epi32(_mm_castps_si128(mask), _mm_set1_epi32(1))); }
    static void add_counts(Counter acc, std::int64_t* out) {
        alignas(16) std::int32_t c[4];
        _mm_store_si128(reinterpret_cast<__m128i*>(c), acc);
        for (int k = 0; k < 4; ++k) out[k] += c[k];
    }
};

template <>
struct Vec<double> {
    using V = __m128d;
    static constexpr int width = 2;
    static V load(const double* p) { return _mm_loadu_pd(p); }
    static void store(double* p, V v) { _mm_storeu_pd(p, v); }
    static V set1(double v) { return _mm_set1_pd(v); }
    static V zero() { return _mm_setzero_pd(); }
    static V min(V a, V b) { return _mm_min_pd(a, b); }
    static V max(V a, V b) { return _mm_max_pd(a, b); }
    static V sub(V a, V b) { return _mm_sub_pd(a, b); }
    static V bit_or(V a, V b) { return _mm_or_pd(a, b); }
    static __m128i bits(V v) { return _mm_castpd_si128(v); }
    static V finite(V v) {
        const V magnitude = _mm_and_pd(v, _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL)));
        return _mm_cmplt_pd(magnitude, _mm_set1_pd(__builtin_inf()));
    }
    static V select(V mask, V yes, V no) { return _mm_or_pd(_mm_and_pd(mask, yes), _mm_andnot_pd(mask, no)); }
    static int count_false(V mask) { return width - __builtin_popcount(static_cast<unsigned>(_mm_movemask_pd(mask))); }
    static std::int64_t scalar(const double* x, std::int64_t n, double* lo, double* hi) {
        return scalar_loops().minmax_f64(x, n, lo, hi);
    }    static bool all_zero(V v) { return _mm_movemask_epi8(_mm_cmpeq_epi8(bits(v), _mm_setzero_si128())) == 0xffff; }
    // Per-lane integer counters of non-finite values: mask + 1 is 0 or 1.
    using Counter = __m128i;
    static Counter zero_counter() { return _mm_setzero_si128(); }
    static Counter count_not(Counter acc, V mask) { return _mm_add_epi64(acc, _mm_add_epi64(_mm_castpd_si128(mask), _mm_set1_epi64x(1))); }
    static void add_counts(Counter acc, std::int64_t* out) {
        alignas(16) std::int64_t c[2];
        _mm_store_si128(reinterpret_cast<__m128i*>(c), acc);
        for (int k = 0; k < 2; ++k) out[k] += c[k];
    }
};

}  // namespace
}  // namespace fasttile

#include "minmax_loops.hpp"  // SSE2 copies of the loops

namespace fasttile {
namespace {

// Four float vectors of levels in 0..255 -> 16 bytes.
inline __m128i levels_f32(__m128 v, __m128 lo, __m128 hi, __m128 a, __m128 b, __m128 s, __m128 c) {
    const __m128 zero = _mm_setzero_ps(), top = _mm_set1_ps(255.0f);
    v = _mm_min_ps(_mm_max_ps(v, lo), hi);
    v = _mm_add_ps(_mm_mul_ps(_mm_sub_ps(_mm_mul_ps(v, a), b), s), c);
    return _mm_cvttps_epi32(_mm_min_ps(_mm_max_ps(v, zero), top));
}

void quantize_f32_sse2(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q) {
    const __m128 lo = _mm_set1_ps(p.lo), hi = _mm_set1_ps(p.hi), a = _mm_set1_ps(p.a), b = _mm_set1_ps(p.b),
                 s = _mm_set1_ps(p.s), c = _mm_set1_ps(p.c);
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m128i i0 = levels_f32(_mm_loadu_ps(x + i), lo, hi, a, b, s, c);
        const __m128i i1 = levels_f32(_mm_loadu_ps(x + i + 4), lo, hi, a, b, s, c);
        const __m128i i2 = levels_f32(_mm_loadu_ps(x + i + 8), lo, hi, a, b, s, c);
        const __m128i i3 = levels_f32(_mm_loadu_ps(x + i + 12), lo, hi, a, b, s, c);
        const __m128i bytes = _mm_packus_epi16(_mm_packs_epi32(i0, i1), _mm_packs_epi32(i2, i3));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), bytes);
    }
    scalar_loops().quantize_f32(x + i, n - i, p, q + i);
}

inline __m128i levels_f64(__m128d v, __m128d lo, __m128d hi, __m128d a, __m128d b, __m128d s, __m128d c) {
    const __m128d zero = _mm_setzero_pd(), top = _mm_set1_pd(255.0);
    v = _mm_min_pd(_mm_max_pd(v, lo), hi);
    v = _mm_add_pd(_mm_mul_pd(_mm_sub_pd(_mm_mul_pd(v, a), b), s), c);
    return _mm_cvttpd_epi32(_mm_min_pd(_mm_max_pd(v, zero), top));  // two int32 in the low half
}

void quantize_f64_sse2(const double* x, std::int64_t n, const Affine<double>& p, unsigned char* q) {
    const __m128d lo = _mm_set1_pd(p.lo), hi = _mm_set1_pd(p.hi), a = _mm_set1_pd(p.a), b = _mm_set1_pd(p.b),
                  s = _mm_set1_pd(p.s), c = _mm_set1_pd(p.c);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i i01 = _mm_unpacklo_epi64(levels_f64(_mm_loadu_pd(x + i), lo, hi, a, b, s, c),
                                               levels_f64(_mm_loadu_pd(x + i + 2), lo, hi, a, b, s, c));
        const __m128i i23 = _mm_unpacklo_epi64(levels_f64(_mm_loadu_pd(x + i + 4), lo, hi, a, b, s, c),
                                               levels_f64(_mm_loadu_pd(x + i + 6), lo, hi, a, b, s, c));
        const __m128i words = _mm_packs_epi32(i01, i23);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(q + i), _mm_packus_epi16(words, words));
    }
    scalar_loops().quantize_f64(x + i, n - i, p, q + i);
}

// Across-tile quantization: a position holds 16 tiles, four float vectors (the
// double form uses the scalar table: same bytes, slower).
void quantize_lanes_f32_sse2(const float* x, std::int64_t n, const Affine<float>* p, unsigned char* q) {
    __m128 lo[4], hi[4], a[4], b[4], s[4], c[4];
    for (int k = 0; k < 4; ++k) {
        const Affine<float>* r = p + 4 * k;
        lo[k] = _mm_setr_ps(r[0].lo, r[1].lo, r[2].lo, r[3].lo);
        hi[k] = _mm_setr_ps(r[0].hi, r[1].hi, r[2].hi, r[3].hi);
        a[k] = _mm_setr_ps(r[0].a, r[1].a, r[2].a, r[3].a);
        b[k] = _mm_setr_ps(r[0].b, r[1].b, r[2].b, r[3].b);
        s[k] = _mm_setr_ps(r[0].s, r[1].s, r[2].s, r[3].s);
        c[k] = _mm_setr_ps(r[0].c, r[1].c, r[2].c, r[3].c);
    }
    for (std::int64_t i = 0; i < n; ++i) {
        const float* v = x + i * 16;
        __m128i w[4];
        for (int k = 0; k < 4; ++k) w[k] = levels_f32(_mm_loadu_ps(v + 4 * k), lo[k], hi[k], a[k], b[k], s[k], c[k]);
        const __m128i bytes = _mm_packus_epi16(_mm_packs_epi32(w[0], w[1]), _mm_packs_epi32(w[2], w[3]));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i * 16), bytes);
    }
}

void widen_bf16_sse2(const unsigned char* src, std::int64_t n, float* dst) {
    const __m128i zero = _mm_setzero_si128();
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i bits = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i));
        _mm_storeu_ps(dst + i, _mm_castsi128_ps(_mm_unpacklo_epi16(zero, bits)));
        _mm_storeu_ps(dst + i + 4, _mm_castsi128_ps(_mm_unpackhi_epi16(zero, bits)));
    }
    scalar_loops().widen_bf16(src + 2 * i, n - i, dst + i);
}

void widen_f16_sse2(const unsigned char* src, std::int64_t n, float* dst) { scalar_loops().widen_f16(src, n, dst); }

}  // namespace

const HotLoops& sse2_loops() {
    static const HotLoops loops{"sse2",
                                minmax<Vec<float>, float>,
                                minmax<Vec<double>, double>,
                                quantize_f32_sse2,
                                quantize_f64_sse2,
                                quantize_f32_sse2,
                                minmax_lanes<Vec<float>, float>,
                                minmax_lanes<Vec<double>, double>,
                                quantize_lanes_f32_sse2,
                                scalar_loops().quantize_lanes_f64,
                                widen_f16_sse2,
                                widen_bf16_sse2};
    return loops;
}

}  // namespace fasttile
#endif
