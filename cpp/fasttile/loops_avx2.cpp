// AVX2 + F16C hot loops, compiled inside a target region so that the rest of the
// library stays baseline x86-64. Only intrinsics live inside the region; tails go
// to the scalar table (another translation unit), which computes the same bytes.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "hot_loops.hpp"

#pragma GCC push_options
#pragma GCC target("avx2,f16c")

namespace fasttile {
namespace {

// Unmasked min/max, plus the OR of (x - x): zero exactly when every value is finite.
// Returns false (results unusable) when a non-finite value was seen.
bool minmax_all_finite_f32_avx2(const float* x, std::int64_t n, float* lo, float* hi) {
    __m256 l0 = _mm256_set1_ps(*lo), h0 = _mm256_set1_ps(*hi), l1 = l0, h1 = h0;
    __m256 bad = _mm256_setzero_ps();
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
        l0 = _mm256_min_ps(l0, v0);
        h0 = _mm256_max_ps(h0, v0);
        l1 = _mm256_min_ps(l1, v1);
        h1 = _mm256_max_ps(h1, v1);
        bad = _mm256_or_ps(bad, _mm256_or_ps(_mm256_sub_ps(v0, v0), _mm256_sub_ps(v1, v1)));
    }
    if (!_mm256_testz_si256(_mm256_castps_si256(bad), _mm256_castps_si256(bad))) return false;
    alignas(32) float ls[8], hs[8];
    _mm256_store_ps(ls, _mm256_min_ps(l0, l1));
    _mm256_store_ps(hs, _mm256_max_ps(h0, h1));
    float lo_v = ls[0], hi_v = hs[0];
    for (int k = 1; k < 8; ++k) {
        lo_v = ls[k] < lo_v ? ls[k] : lo_v;
        hi_v = hs[k] > hi_v ? hs[k] : hi_v;
    }
    float tail_lo = lo_v, tail_hi = hi_v;
    if (scalar_loops().minmax_f32(x + i, n - i, &tail_lo, &tail_hi)) return false;
    *lo = tail_lo;
    *hi = tail_hi;
    return true;
}

std::int64_t minmax_f32_avx2(const float* x, std::int64_t n, float* lo, float* hi) {
    if (minmax_all_finite_f32_avx2(x, n, lo, hi)) return 0;
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256 inf = _mm256_set1_ps(__builtin_inff());
    const __m256 ninf = _mm256_set1_ps(-__builtin_inff());
    __m256 l0 = _mm256_set1_ps(*lo), h0 = _mm256_set1_ps(*hi), l1 = l0, h1 = h0;
    std::int64_t bad = 0, i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
        const __m256 f0 = _mm256_cmp_ps(_mm256_and_ps(v0, abs_mask), inf, _CMP_LT_OQ);
        const __m256 f1 = _mm256_cmp_ps(_mm256_and_ps(v1, abs_mask), inf, _CMP_LT_OQ);
        l0 = _mm256_min_ps(l0, _mm256_blendv_ps(inf, v0, f0));
        h0 = _mm256_max_ps(h0, _mm256_blendv_ps(ninf, v0, f0));
        l1 = _mm256_min_ps(l1, _mm256_blendv_ps(inf, v1, f1));
        h1 = _mm256_max_ps(h1, _mm256_blendv_ps(ninf, v1, f1));
        const int finite_bits = _mm256_movemask_ps(f0) | (_mm256_movemask_ps(f1) << 8);
        if (finite_bits != 0xffff) bad += 16 - __builtin_popcount(static_cast<unsigned>(finite_bits));
    }
    alignas(32) float ls[8], hs[8];
    _mm256_store_ps(ls, _mm256_min_ps(l0, l1));
    _mm256_store_ps(hs, _mm256_max_ps(h0, h1));
    float lo_v = ls[0], hi_v = hs[0];
    for (int k = 1; k < 8; ++k) {
        lo_v = ls[k] < lo_v ? ls[k] : lo_v;
        hi_v = hs[k] > hi_v ? hs[k] : hi_v;
    }
    *lo = lo_v;
    *hi = hi_v;
    return bad + scalar_loops().minmax_f32(x + i, n - i, lo, hi);
}

bool minmax_all_finite_f64_avx2(const double* x, std::int64_t n, double* lo, double* hi) {
    __m256d l0 = _mm256_set1_pd(*lo), h0 = _mm256_set1_pd(*hi), l1 = l0, h1 = h0;
    __m256d bad = _mm256_setzero_pd();
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256d v0 = _mm256_loadu_pd(x + i), v1 = _mm256_loadu_pd(x + i + 4);
        l0 = _mm256_min_pd(l0, v0);
        h0 = _mm256_max_pd(h0, v0);
        l1 = _mm256_min_pd(l1, v1);
        h1 = _mm256_max_pd(h1, v1);
        bad = _mm256_or_pd(bad, _mm256_or_pd(_mm256_sub_pd(v0, v0), _mm256_sub_pd(v1, v1)));
    }
    if (!_mm256_testz_si256(_mm256_castpd_si256(bad), _mm256_castpd_si256(bad))) return false;
    alignas(32) double ls[4], hs[4];
    _mm256_store_pd(ls, _mm256_min_pd(l0, l1));
    _mm256_store_pd(hs, _mm256_max_pd(h0, h1));
    double lo_v = ls[0], hi_v = hs[0];
    for (int k = 1; k < 4; ++k) {
        lo_v = ls[k] < lo_v ? ls[k] : lo_v;
        hi_v = hs[k] > hi_v ? hs[k] : hi_v;
    }
    double tail_lo = lo_v, tail_hi = hi_v;
    if (scalar_loops().minmax_f64(x + i, n - i, &tail_lo, &tail_hi)) return false;
    *lo = tail_lo;
    *hi = tail_hi;
    return true;
}

std::int64_t minmax_f64_avx2(const double* x, std::int64_t n, double* lo, double* hi) {
    if (minmax_all_finite_f64_avx2(x, n, lo, hi)) return 0;
    const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
    const __m256d inf = _mm256_set1_pd(__builtin_inf());
    const __m256d ninf = _mm256_set1_pd(-__builtin_inf());
    __m256d l = _mm256_set1_pd(*lo), h = _mm256_set1_pd(*hi);
    std::int64_t bad = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m256d v = _mm256_loadu_pd(x + i);
        const __m256d f = _mm256_cmp_pd(_mm256_and_pd(v, abs_mask), inf, _CMP_LT_OQ);
        l = _mm256_min_pd(l, _mm256_blendv_pd(inf, v, f));
        h = _mm256_max_pd(h, _mm256_blendv_pd(ninf, v, f));
        bad += 4 - __builtin_popcount(static_cast<unsigned>(_mm256_movemask_pd(f)));
    }
    alignas(32) double ls[4], hs[4];
    _mm256_store_pd(ls, l);
    _mm256_store_pd(hs, h);
    double lo_v = ls[0], hi_v = hs[0];
    for (int k = 1; k < 4; ++k) {
        lo_v = ls[k] < lo_v ? ls[k] : lo_v;
        hi_v = hs[k] > hi_v ? hs[k] : hi_v;
    }
    *lo = lo_v;
    *hi = hi_v;
    return bad + scalar_loops().minmax_f64(x + i, n - i, lo, hi);
}

struct LevelsF32 {
    __m256 lo, hi, a, b, s, c, zero, top;
    explicit LevelsF32(const Affine<float>& p)
        : lo(_mm256_set1_ps(p.lo)), hi(_mm256_set1_ps(p.hi)), a(_mm256_set1_ps(p.a)), b(_mm256_set1_ps(p.b)),
          s(_mm256_set1_ps(p.s)), c(_mm256_set1_ps(p.c)), zero(_mm256_setzero_ps()), top(_mm256_set1_ps(255.0f)) {}
    // Separate mul and add (no FMA): the pixel rule forbids contraction.
    __m256i operator()(__m256 v) const {
        v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
        v = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(v, a), b), s), c);
        return _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(v, zero), top));
    }
};

void quantize_f32_avx2(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q) {
    const LevelsF32 levels(p);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    std::int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i i0 = levels(_mm256_loadu_ps(x + i)), i1 = levels(_mm256_loadu_ps(x + i + 8));
        const __m256i i2 = levels(_mm256_loadu_ps(x + i + 16)), i3 = levels(_mm256_loadu_ps(x + i + 24));
        // packs work per 128-bit lane; the permute restores element order
        const __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i), _mm256_permutevar8x32_epi32(bytes, order));
    }
    scalar_loops().quantize_f32(x + i, n - i, p, q + i);
}

// For finite values inside [lo, hi] under a tile's own range: the clamps of the
// pixel rule are no-ops there (see hot_loops.hpp), and packus saturates anyway.
void quantize_inrange_f32_avx2(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q) {
    const __m256 a = _mm256_set1_ps(p.a), b = _mm256_set1_ps(p.b), s = _mm256_set1_ps(p.s), c = _mm256_set1_ps(p.c);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    auto levels = [&](__m256 v) {
        return _mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(v, a), b), s), c));
    };
    std::int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i i0 = levels(_mm256_loadu_ps(x + i)), i1 = levels(_mm256_loadu_ps(x + i + 8));
        const __m256i i2 = levels(_mm256_loadu_ps(x + i + 16)), i3 = levels(_mm256_loadu_ps(x + i + 24));
        const __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i), _mm256_permutevar8x32_epi32(bytes, order));
    }
    scalar_loops().quantize_f32(x + i, n - i, p, q + i);
}

void quantize_f64_avx2(const double* x, std::int64_t n, const Affine<double>& p, unsigned char* q) {
    const __m256d lo = _mm256_set1_pd(p.lo), hi = _mm256_set1_pd(p.hi), a = _mm256_set1_pd(p.a),
                  b = _mm256_set1_pd(p.b), s = _mm256_set1_pd(p.s), c = _mm256_set1_pd(p.c),
                  zero = _mm256_setzero_pd(), top = _mm256_set1_pd(255.0);
    auto levels = [&](__m256d v) {
        v = _mm256_min_pd(_mm256_max_pd(v, lo), hi);
        v = _mm256_add_pd(_mm256_mul_pd(_mm256_sub_pd(_mm256_mul_pd(v, a), b), s), c);
        return _mm256_cvttpd_epi32(_mm256_min_pd(_mm256_max_pd(v, zero), top));  // four int32
    };
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m128i w0 = _mm_packs_epi32(levels(_mm256_loadu_pd(x + i)), levels(_mm256_loadu_pd(x + i + 4)));
        const __m128i w1 = _mm_packs_epi32(levels(_mm256_loadu_pd(x + i + 8)), levels(_mm256_loadu_pd(x + i + 12)));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), _mm_packus_epi16(w0, w1));
    }
    scalar_loops().quantize_f64(x + i, n - i, p, q + i);
}

// Across-tile forms: a position holds kLanes = 16 tiles, two float vectors.
void minmax_lanes_f32_avx2(const float* x, std::int64_t n, float* lo, float* hi, std::int64_t* bad) {
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256 inf = _mm256_set1_ps(__builtin_inff());
    const __m256 ninf = _mm256_set1_ps(-__builtin_inff());
    __m256 l0 = _mm256_loadu_ps(lo), l1 = _mm256_loadu_ps(lo + 8);
    __m256 h0 = _mm256_loadu_ps(hi), h1 = _mm256_loadu_ps(hi + 8);
    __m256i b0 = _mm256_setzero_si256(), b1 = _mm256_setzero_si256();
    for (std::int64_t i = 0; i < n; ++i) {
        const __m256 v0 = _mm256_loadu_ps(x + i * 16), v1 = _mm256_loadu_ps(x + i * 16 + 8);
        const __m256 f0 = _mm256_cmp_ps(_mm256_and_ps(v0, abs_mask), inf, _CMP_LT_OQ);
        const __m256 f1 = _mm256_cmp_ps(_mm256_and_ps(v1, abs_mask), inf, _CMP_LT_OQ);
        l0 = _mm256_min_ps(l0, _mm256_blendv_ps(inf, v0, f0));
        h0 = _mm256_max_ps(h0, _mm256_blendv_ps(ninf, v0, f0));
        l1 = _mm256_min_ps(l1, _mm256_blendv_ps(inf, v1, f1));
        h1 = _mm256_max_ps(h1, _mm256_blendv_ps(ninf, v1, f1));
        // a finite lane's mask is -1: counting "not finite" = adding (mask + 1)
        b0 = _mm256_add_epi32(b0, _mm256_add_epi32(_mm256_castps_si256(f0), _mm256_set1_epi32(1)));
        b1 = _mm256_add_epi32(b1, _mm256_add_epi32(_mm256_castps_si256(f1), _mm256_set1_epi32(1)));
    }
    _mm256_storeu_ps(lo, l0);
    _mm256_storeu_ps(lo + 8, l1);
    _mm256_storeu_ps(hi, h0);
    _mm256_storeu_ps(hi + 8, h1);
    alignas(32) std::int32_t counts[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(counts), b0);
    _mm256_store_si256(reinterpret_cast<__m256i*>(counts + 8), b1);
    for (int k = 0; k < 16; ++k) bad[k] += counts[k];
}

void minmax_lanes_f64_avx2(const double* x, std::int64_t n, double* lo, double* hi, std::int64_t* bad) {
    const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
    const __m256d inf = _mm256_set1_pd(__builtin_inf());
    const __m256d ninf = _mm256_set1_pd(-__builtin_inf());
    __m256d l[4], h[4];
    __m256i b[4];
    for (int k = 0; k < 4; ++k) {
        l[k] = _mm256_loadu_pd(lo + 4 * k);
        h[k] = _mm256_loadu_pd(hi + 4 * k);
        b[k] = _mm256_setzero_si256();
    }
    for (std::int64_t i = 0; i < n; ++i) {
        for (int k = 0; k < 4; ++k) {
            const __m256d v = _mm256_loadu_pd(x + i * 16 + 4 * k);
            const __m256d f = _mm256_cmp_pd(_mm256_and_pd(v, abs_mask), inf, _CMP_LT_OQ);
            l[k] = _mm256_min_pd(l[k], _mm256_blendv_pd(inf, v, f));
            h[k] = _mm256_max_pd(h[k], _mm256_blendv_pd(ninf, v, f));
            b[k] = _mm256_add_epi64(b[k], _mm256_add_epi64(_mm256_castpd_si256(f), _mm256_set1_epi64x(1)));
        }
    }
    alignas(32) std::int64_t counts[16];
    for (int k = 0; k < 4; ++k) {
        _mm256_storeu_pd(lo + 4 * k, l[k]);
        _mm256_storeu_pd(hi + 4 * k, h[k]);
        _mm256_store_si256(reinterpret_cast<__m256i*>(counts + 4 * k), b[k]);
    }
    for (int k = 0; k < 16; ++k) bad[k] += counts[k];
}

// One parameter of `count` consecutive lanes, gathered into an aligned array.
template <class T>
void lane_values(const Affine<T>* p, int first, int count, T Affine<T>::*field, T* out) {
    for (int k = 0; k < count; ++k) out[k] = p[first + k].*field;
}

struct LaneLevelsF32 {
    __m256 lo, hi, a, b, s, c, zero, top;
    LaneLevelsF32(const Affine<float>* p, int first) : zero(_mm256_setzero_ps()), top(_mm256_set1_ps(255.0f)) {
        alignas(32) float v[8];
        lane_values(p, first, 8, &Affine<float>::lo, v);
        lo = _mm256_load_ps(v);
        lane_values(p, first, 8, &Affine<float>::hi, v);
        hi = _mm256_load_ps(v);
        lane_values(p, first, 8, &Affine<float>::a, v);
        a = _mm256_load_ps(v);
        lane_values(p, first, 8, &Affine<float>::b, v);
        b = _mm256_load_ps(v);
        lane_values(p, first, 8, &Affine<float>::s, v);
        s = _mm256_load_ps(v);
        lane_values(p, first, 8, &Affine<float>::c, v);
        c = _mm256_load_ps(v);
    }
    __m256i operator()(__m256 v) const {
        v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
        v = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(v, a), b), s), c);
        return _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(v, zero), top));
    }
};

void quantize_lanes_f32_avx2(const float* x, std::int64_t n, const Affine<float>* p, unsigned char* q) {
    const LaneLevelsF32 first(p, 0), second(p, 8);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    std::int64_t i = 0;
    for (; i + 2 <= n; i += 2) {  // two positions: 32 values, 32 bytes
        const float* v = x + i * 16;
        const __m256i i0 = first(_mm256_loadu_ps(v)), i1 = second(_mm256_loadu_ps(v + 8));
        const __m256i i2 = first(_mm256_loadu_ps(v + 16)), i3 = second(_mm256_loadu_ps(v + 24));
        const __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i * 16), _mm256_permutevar8x32_epi32(bytes, order));
    }
    if (i < n) scalar_loops().quantize_lanes_f32(x + i * 16, n - i, p, q + i * 16);
}

void quantize_lanes_f64_avx2(const double* x, std::int64_t n, const Affine<double>* p, unsigned char* q) {
    const __m256d zero = _mm256_setzero_pd(), top = _mm256_set1_pd(255.0);
    __m256d lo[4], hi[4], a[4], b[4], s[4], c[4];
    alignas(32) double v[4];
    for (int k = 0; k < 4; ++k) {
        lane_values(p, 4 * k, 4, &Affine<double>::lo, v);
        lo[k] = _mm256_load_pd(v);
        lane_values(p, 4 * k, 4, &Affine<double>::hi, v);
        hi[k] = _mm256_load_pd(v);
        lane_values(p, 4 * k, 4, &Affine<double>::a, v);
        a[k] = _mm256_load_pd(v);
        lane_values(p, 4 * k, 4, &Affine<double>::b, v);
        b[k] = _mm256_load_pd(v);
        lane_values(p, 4 * k, 4, &Affine<double>::s, v);
        s[k] = _mm256_load_pd(v);
        lane_values(p, 4 * k, 4, &Affine<double>::c, v);
        c[k] = _mm256_load_pd(v);
    }
    for (std::int64_t i = 0; i < n; ++i) {
        __m128i words[4];
        for (int k = 0; k < 4; ++k) {
            __m256d v = _mm256_loadu_pd(x + i * 16 + 4 * k);
            v = _mm256_min_pd(_mm256_max_pd(v, lo[k]), hi[k]);
            v = _mm256_add_pd(_mm256_mul_pd(_mm256_sub_pd(_mm256_mul_pd(v, a[k]), b[k]), s[k]), c[k]);
            words[k] = _mm256_cvttpd_epi32(_mm256_min_pd(_mm256_max_pd(v, zero), top));
        }
        const __m128i bytes =
            _mm_packus_epi16(_mm_packs_epi32(words[0], words[1]), _mm_packs_epi32(words[2], words[3]));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i * 16), bytes);
    }
}

void widen_f16_avx2(const unsigned char* src, std::int64_t n, float* dst) {
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i))));
    scalar_loops().widen_f16(src + 2 * i, n - i, dst + i);
}

void widen_bf16_avx2(const unsigned char* src, std::int64_t n, float* dst) {
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i words = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i)));
        _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(words, 16)));
    }
    scalar_loops().widen_bf16(src + 2 * i, n - i, dst + i);
}

}  // namespace
}  // namespace fasttile

#pragma GCC pop_options

namespace fasttile {

// Outside the target region: building the table must run on any CPU.
const HotLoops& avx2_loops() {
    static const HotLoops loops{"avx2",
                                minmax_f32_avx2,
                                minmax_f64_avx2,
                                quantize_f32_avx2,
                                quantize_f64_avx2,
                                quantize_inrange_f32_avx2,
                                minmax_lanes_f32_avx2,
                                minmax_lanes_f64_avx2,
                                quantize_lanes_f32_avx2,
                                quantize_lanes_f64_avx2,
                                widen_f16_avx2,
                                widen_bf16_avx2};
    return loops;
}

}  // namespace fasttile
#endif
