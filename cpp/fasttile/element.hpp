// Element types the kernel reads, and their exact conversion to the computing
// precision (float for every type but float64, which computes in double).
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace fasttile {

enum class ElemType : int { f32, f64, f16, bf16, i8, u8, i16, u16, i32, u32, i64, u64 };

// IEEE binary16 and bfloat16 are carried as their raw bits; the kernel widens them
// in registers instead of asking the caller for an upcast copy of the bank.
struct Half {
    std::uint16_t bits;
};
struct BFloat16 {
    std::uint16_t bits;
};

inline std::size_t elem_size(ElemType t) {
    switch (t) {
        case ElemType::f64:
        case ElemType::i64:
        case ElemType::u64: return 8;
        case ElemType::f32:
        case ElemType::i32:
        case ElemType::u32: return 4;
        case ElemType::f16:
        case ElemType::bf16:
        case ElemType::i16:
        case ElemType::u16: return 2;
        case ElemType::i8:
        case ElemType::u8: return 1;
    }
    throw std::invalid_argument("unknown element type");
}

inline ElemType elem_type_from_name(const std::string& name) {
    static const struct {
        const char* name;
        ElemType type;
    } table[] = {{"float32", ElemType::f32}, {"float64", ElemType::f64}, {"float16", ElemType::f16},
                 {"bfloat16", ElemType::bf16}, {"int8", ElemType::i8},     {"uint8", ElemType::u8},
                 {"int16", ElemType::i16},     {"uint16", ElemType::u16},  {"int32", ElemType::i32},
                 {"uint32", ElemType::u32},    {"int64", ElemType::i64},   {"uint64", ElemType::u64}};
    for (const auto& entry : table)
        if (name == entry.name) return entry.type;
    throw std::invalid_argument("unsupported element type '" + name + "'");
}

inline float bits_to_float(std::uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

// Exact binary16 -> binary32 (every half value, subnormals, inf and NaN included).
inline float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exponent = (h >> 10) & 0x1fu;
    const std::uint32_t mantissa = h & 0x3ffu;
    if (exponent == 0) {
        // zero or subnormal: mantissa * 2^-24 is exact in float
        const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-08f;
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31) return bits_to_float(sign | 0x7f800000u | (mantissa << 13));
    return bits_to_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

inline float bfloat16_to_float(std::uint16_t b) { return bits_to_float(static_cast<std::uint32_t>(b) << 16); }

template <class T, class E>
inline T to_compute(E e) {
    return static_cast<T>(e);
}
template <>
inline float to_compute<float, Half>(Half e) {
    return half_to_float(e.bits);
}
template <>
inline float to_compute<float, BFloat16>(BFloat16 e) {
    return bfloat16_to_float(e.bits);
}

// Source buffers may be unaligned (offset views into byte buffers): load through memcpy.
template <class E>
inline E load_unaligned(const unsigned char* p) {
    E e;
    std::memcpy(&e, p, sizeof(E));
    return e;
}

}  // namespace fasttile
