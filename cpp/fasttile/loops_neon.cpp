// NEON hot loops for arm64 (Advanced SIMD is part of the armv8-a baseline, so no
// target region is needed). float32 paths are vectorized; float64 ones use the
// scalar table, which computes the same bytes. Built with -ffp-contract=off like
// everything else, so multiply and add are never fused into FMLA.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "hot_loops.hpp"

namespace fasttile {
namespace {

// Unmasked min/max plus the OR of (x - x), zero exactly when every value is finite.
bool minmax_all_finite_f32_neon(const float* x, std::int64_t n, float* lo, float* hi) {
    float32x4_t l0 = vdupq_n_f32(*lo), h0 = vdupq_n_f32(*hi), l1 = l0, h1 = h0;
    uint32x4_t bad = vdupq_n_u32(0);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float32x4_t v0 = vld1q_f32(x + i), v1 = vld1q_f32(x + i + 4);
        l0 = vminq_f32(l0, v0);
        h0 = vmaxq_f32(h0, v0);
        l1 = vminq_f32(l1, v1);
        h1 = vmaxq_f32(h1, v1);
        bad = vorrq_u32(bad, vorrq_u32(vreinterpretq_u32_f32(vsubq_f32(v0, v0)),
                                       vreinterpretq_u32_f32(vsubq_f32(v1, v1))));
    }
    if (vmaxvq_u32(bad) != 0) return false;
    float tail_lo = vminvq_f32(vminq_f32(l0, l1)), tail_hi = vmaxvq_f32(vmaxq_f32(h0, h1));
    if (scalar_loops().minmax_f32(x + i, n - i, &tail_lo, &tail_hi)) return false;
    *lo = tail_lo;
    *hi = tail_hi;
    return true;
}

std::int64_t minmax_f32_neon(const float* x, std::int64_t n, float* lo, float* hi) {
    if (minmax_all_finite_f32_neon(x, n, lo, hi)) return 0;
    const float32x4_t inf = vdupq_n_f32(__builtin_inff()), ninf = vdupq_n_f32(-__builtin_inff());
    const uint32x4_t one = vdupq_n_u32(1);
    float32x4_t l = vdupq_n_f32(*lo), h = vdupq_n_f32(*hi);
    uint32x4_t count = vdupq_n_u32(0);
    std::int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float32x4_t v = vld1q_f32(x + i);
        const uint32x4_t finite = vcltq_f32(vabsq_f32(v), inf);  // false for inf and NaN
        l = vminq_f32(l, vbslq_f32(finite, v, inf));
        h = vmaxq_f32(h, vbslq_f32(finite, v, ninf));
        count = vaddq_u32(count, vbicq_u32(one, finite));
    }
    *lo = vminvq_f32(l);
    *hi = vmaxvq_f32(h);
    return static_cast<std::int64_t>(vaddvq_u32(count)) + scalar_loops().minmax_f32(x + i, n - i, lo, hi);
}

struct Levels {
    float32x4_t lo, hi, a, b, s, c, zero, top;
    Levels(float l, float h, float a_, float b_, float s_, float c_)
        : lo(vdupq_n_f32(l)), hi(vdupq_n_f32(h)), a(vdupq_n_f32(a_)), b(vdupq_n_f32(b_)), s(vdupq_n_f32(s_)),
          c(vdupq_n_f32(c_)), zero(vdupq_n_f32(0.0f)), top(vdupq_n_f32(255.0f)) {}
    explicit Levels(const Affine<float>& p) : Levels(p.lo, p.hi, p.a, p.b, p.s, p.c) {}
    int32x4_t operator()(float32x4_t v, bool clamp) const {
        if (clamp) v = vminq_f32(vmaxq_f32(v, lo), hi);
        v = vaddq_f32(vmulq_f32(vsubq_f32(vmulq_f32(v, a), b), s), c);
        if (clamp) v = vminq_f32(vmaxq_f32(v, zero), top);
        return vcvtq_s32_f32(v);  // truncation, as cvttps on x86
    }
};

// Four vectors of levels -> 16 bytes, saturating like packs/packus on x86.
inline uint8x16_t narrow(int32x4_t a, int32x4_t b, int32x4_t c, int32x4_t d) {
    const int16x8_t ab = vcombine_s16(vqmovn_s32(a), vqmovn_s32(b));
    const int16x8_t cd = vcombine_s16(vqmovn_s32(c), vqmovn_s32(d));
    return vcombine_u8(vqmovun_s16(ab), vqmovun_s16(cd));
}

template <bool Clamp>
void quantize_f32_neon_impl(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q) {
    const Levels levels(p);
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        vst1q_u8(q + i, narrow(levels(vld1q_f32(x + i), Clamp), levels(vld1q_f32(x + i + 4), Clamp),
                               levels(vld1q_f32(x + i + 8), Clamp), levels(vld1q_f32(x + i + 12), Clamp)));
    }
    scalar_loops().quantize_f32(x + i, n - i, p, q + i);
}

void quantize_f32_neon(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q) {
    quantize_f32_neon_impl<true>(x, n, p, q);
}

void quantize_inrange_f32_neon(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q) {
    quantize_f32_neon_impl<false>(x, n, p, q);
}

// Across-tile forms: a position holds kLanes = 16 tiles, four vectors.
void minmax_lanes_f32_neon(const float* x, std::int64_t n, float* lo, float* hi, std::int64_t* bad) {
    const float32x4_t inf = vdupq_n_f32(__builtin_inff()), ninf = vdupq_n_f32(-__builtin_inff());
    const uint32x4_t one = vdupq_n_u32(1);
    float32x4_t l[4], h[4];
    uint32x4_t count[4];
    for (int k = 0; k < 4; ++k) {
        l[k] = vld1q_f32(lo + 4 * k);
        h[k] = vld1q_f32(hi + 4 * k);
        count[k] = vdupq_n_u32(0);
    }
    for (std::int64_t i = 0; i < n; ++i) {
        for (int k = 0; k < 4; ++k) {
            const float32x4_t v = vld1q_f32(x + i * 16 + 4 * k);
            const uint32x4_t finite = vcltq_f32(vabsq_f32(v), inf);
            l[k] = vminq_f32(l[k], vbslq_f32(finite, v, inf));
            h[k] = vmaxq_f32(h[k], vbslq_f32(finite, v, ninf));
            count[k] = vaddq_u32(count[k], vbicq_u32(one, finite));
        }
    }
    for (int k = 0; k < 4; ++k) {
        vst1q_f32(lo + 4 * k, l[k]);
        vst1q_f32(hi + 4 * k, h[k]);
        std::uint32_t c[4];
        vst1q_u32(c, count[k]);
        for (int j = 0; j < 4; ++j) bad[4 * k + j] += c[j];
    }
}

void quantize_lanes_f32_neon(const float* x, std::int64_t n, const Affine<float>* p, unsigned char* q) {
    float field[6][16];
    for (int k = 0; k < 16; ++k) {
        field[0][k] = p[k].lo;
        field[1][k] = p[k].hi;
        field[2][k] = p[k].a;
        field[3][k] = p[k].b;
        field[4][k] = p[k].s;
        field[5][k] = p[k].c;
    }
    struct LaneLevels {
        float32x4_t lo, hi, a, b, s, c;
    } sets[4];
    for (int k = 0; k < 4; ++k)
        sets[k] = {vld1q_f32(field[0] + 4 * k), vld1q_f32(field[1] + 4 * k), vld1q_f32(field[2] + 4 * k),
                   vld1q_f32(field[3] + 4 * k), vld1q_f32(field[4] + 4 * k), vld1q_f32(field[5] + 4 * k)};
    const float32x4_t zero = vdupq_n_f32(0.0f), top = vdupq_n_f32(255.0f);
    for (std::int64_t i = 0; i < n; ++i) {
        int32x4_t w[4];
        for (int k = 0; k < 4; ++k) {
            const LaneLevels& r = sets[k];
            float32x4_t v = vminq_f32(vmaxq_f32(vld1q_f32(x + i * 16 + 4 * k), r.lo), r.hi);
            v = vaddq_f32(vmulq_f32(vsubq_f32(vmulq_f32(v, r.a), r.b), r.s), r.c);
            w[k] = vcvtq_s32_f32(vminq_f32(vmaxq_f32(v, zero), top));
        }
        vst1q_u8(q + i * 16, narrow(w[0], w[1], w[2], w[3]));
    }
}

void widen_f16_neon(const unsigned char* src, std::int64_t n, float* dst) {
    std::int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(dst + i, vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(src + 2 * i))));  // byte loads: any alignment
    scalar_loops().widen_f16(src + 2 * i, n - i, dst + i);
}

void widen_bf16_neon(const unsigned char* src, std::int64_t n, float* dst) {
    std::int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(dst + i, vreinterpretq_f32_u32(vshll_n_u16(vreinterpret_u16_u8(vld1_u8(src + 2 * i)), 16)));
    scalar_loops().widen_bf16(src + 2 * i, n - i, dst + i);
}

}  // namespace

const HotLoops& neon_loops() {
    static const HotLoops loops{"neon",
                                minmax_f32_neon,
                                scalar_loops().minmax_f64,
                                quantize_f32_neon,
                                scalar_loops().quantize_f64,
                                quantize_inrange_f32_neon,
                                minmax_lanes_f32_neon,
                                scalar_loops().minmax_lanes_f64,
                                quantize_lanes_f32_neon,
                                scalar_loops().quantize_lanes_f64,
                                widen_f16_neon,
                                widen_bf16_neon};
    return loops;
}

}  // namespace fasttile
#endif
