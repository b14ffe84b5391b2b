// SSE2 hot loops: the x86-64 baseline, so no target region is needed. Tails and
// float16 (no F16C in the baseline) go to the scalar table, which computes the
// same bytes.
#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>

#include "hot_loops.hpp"

namespace fasttile {
namespace {

std::int64_t minmax_f32_sse2(const float* x, std::int64_t n, float* lo, float* hi) {
    const __m128 abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
    const __m128 inf = _mm_set1_ps(__builtin_inff());
    const __m128 ninf = _mm_set1_ps(-__builtin_inff());
    __m128 l = _mm_set1_ps(*lo), h = _mm_set1_ps(*hi);
    std::int64_t bad = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m128 v = _mm_loadu_ps(x + i);
        const __m128 finite = _mm_cmplt_ps(_mm_and_ps(v, abs_mask), inf);  // false for inf and NaN
        l = _mm_min_ps(l, _mm_or_ps(_mm_and_ps(finite, v), _mm_andnot_ps(finite, inf)));
        h = _mm_max_ps(h, _mm_or_ps(_mm_and_ps(finite, v), _mm_andnot_ps(finite, ninf)));
        bad += __builtin_popcount(static_cast<unsigned>(~_mm_movemask_ps(finite) & 0xf));
    }
    alignas(16) float ls[4], hs[4];
    _mm_store_ps(ls, l);
    _mm_store_ps(hs, h);
    float lo_v = ls[0], hi_v = hs[0];
    for (int k = 1; k < 4; ++k) {
        lo_v = ls[k] < lo_v ? ls[k] : lo_v;
        hi_v = hs[k] > hi_v ? hs[k] : hi_v;
    }
    *lo = lo_v;
    *hi = hi_v;
    return bad + scalar_loops().minmax_f32(x + i, n - i, lo, hi);
}

std::int64_t minmax_f64_sse2(const double* x, std::int64_t n, double* lo, double* hi) {
    const __m128d abs_mask = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL));
    const __m128d inf = _mm_set1_pd(__builtin_inf());
    const __m128d ninf = _mm_set1_pd(-__builtin_inf());
    __m128d l = _mm_set1_pd(*lo), h = _mm_set1_pd(*hi);
    std::int64_t bad = 0, i = 0;
    for (; i + 2 <= n; i += 2) {
        const __m128d v = _mm_loadu_pd(x + i);
        const __m128d finite = _mm_cmplt_pd(_mm_and_pd(v, abs_mask), inf);
        l = _mm_min_pd(l, _mm_or_pd(_mm_and_pd(finite, v), _mm_andnot_pd(finite, inf)));
        h = _mm_max_pd(h, _mm_or_pd(_mm_and_pd(finite, v), _mm_andnot_pd(finite, ninf)));
        bad += __builtin_popcount(static_cast<unsigned>(~_mm_movemask_pd(finite) & 0x3));
    }
    alignas(16) double ls[2], hs[2];
    _mm_store_pd(ls, l);
    _mm_store_pd(hs, h);
    *lo = ls[1] < ls[0] ? ls[1] : ls[0];
    *hi = hs[1] > hs[0] ? hs[1] : hs[0];
    return bad + scalar_loops().minmax_f64(x + i, n - i, lo, hi);
}

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

// Across-tile forms: a position holds 16 tiles, four float vectors. The double
// forms use the scalar table (same bytes, slower).
void minmax_lanes_f32_sse2(const float* x, std::int64_t n, float* lo, float* hi, std::int64_t* bad) {
    const __m128 abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
    const __m128 inf = _mm_set1_ps(__builtin_inff());
    const __m128 ninf = _mm_set1_ps(-__builtin_inff());
    const __m128i one = _mm_set1_epi32(1);
    __m128 l[4], h[4];
    __m128i b[4];
    for (int k = 0; k < 4; ++k) {
        l[k] = _mm_loadu_ps(lo + 4 * k);
        h[k] = _mm_loadu_ps(hi + 4 * k);
        b[k] = _mm_setzero_si128();
    }
    for (std::int64_t i = 0; i < n; ++i) {
        for (int k = 0; k < 4; ++k) {
            const __m128 v = _mm_loadu_ps(x + i * 16 + 4 * k);
            const __m128 f = _mm_cmplt_ps(_mm_and_ps(v, abs_mask), inf);
            l[k] = _mm_min_ps(l[k], _mm_or_ps(_mm_and_ps(f, v), _mm_andnot_ps(f, inf)));
            h[k] = _mm_max_ps(h[k], _mm_or_ps(_mm_and_ps(f, v), _mm_andnot_ps(f, ninf)));
            b[k] = _mm_add_epi32(b[k], _mm_add_epi32(_mm_castps_si128(f), one));
        }
    }
    alignas(16) std::int32_t counts[16];
    for (int k = 0; k < 4; ++k) {
        _mm_storeu_ps(lo + 4 * k, l[k]);
        _mm_storeu_ps(hi + 4 * k, h[k]);
        _mm_store_si128(reinterpret_cast<__m128i*>(counts + 4 * k), b[k]);
    }
    for (int k = 0; k < 16; ++k) bad[k] += counts[k];
}

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
                                minmax_f32_sse2,
                                minmax_f64_sse2,
                                quantize_f32_sse2,
                                quantize_f64_sse2,
                                quantize_f32_sse2,
                                minmax_lanes_f32_sse2,
                                scalar_loops().minmax_lanes_f64,
                                quantize_lanes_f32_sse2,
                                scalar_loops().quantize_lanes_f64,
                                widen_f16_sse2,
                                widen_bf16_sse2};
    return loops;
}

}  // namespace fasttile
#endif
