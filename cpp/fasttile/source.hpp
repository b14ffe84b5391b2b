// Small facts about a checked TileSource that every pass over it needs: where a
// tile starts, how much work it is, and the element type as template arguments.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "element.hpp"
#include "kernel.hpp"

namespace fasttile {

inline std::int64_t shown_units(const TileSource& s) { return s.indices ? s.n_indices : s.n_outer; }

// Values the shown tiles hold, as a double: a work estimate that cannot overflow.
inline double shown_values(const TileSource& s) {
    return static_cast<double>(tile_count(s)) * static_cast<double>(s.channels) * static_cast<double>(s.height) *
           static_cast<double>(s.width);
}

inline const unsigned char* unit_origin(const TileSource& s, std::int64_t unit_pos, std::int64_t inner) {
    const std::int64_t unit = s.indices ? s.indices[unit_pos] : unit_pos;
    return s.origin + unit * s.s_outer + inner * s.s_inner;
}

inline const unsigned char* tile_origin(const TileSource& s, std::int64_t t) {
    return unit_origin(s, t / s.n_inner, t % s.n_inner);
}

inline void check_threads(int threads) {
    if (threads < 1) throw std::invalid_argument("threads must be at least 1");
}

// Calls f.template operator()<E, T>() for the source's element type E and its
// computing precision T (docs/design.md, section 2).
template <class F>
auto with_types(ElemType type, F&& f) {
    switch (type) {
        case ElemType::f32: return f.template operator()<float, float>();
        case ElemType::f64: return f.template operator()<double, double>();
        case ElemType::f16: return f.template operator()<Half, float>();
        case ElemType::bf16: return f.template operator()<BFloat16, float>();
        case ElemType::i8: return f.template operator()<std::int8_t, float>();
        case ElemType::u8: return f.template operator()<std::uint8_t, float>();
        case ElemType::i16: return f.template operator()<std::int16_t, float>();
        case ElemType::u16: return f.template operator()<std::uint16_t, float>();
        case ElemType::i32: return f.template operator()<std::int32_t, float>();
        case ElemType::u32: return f.template operator()<std::uint32_t, float>();
        case ElemType::i64: return f.template operator()<std::int64_t, float>();
        case ElemType::u64: return f.template operator()<std::uint64_t, float>();
    }
    throw std::invalid_argument("unknown element type");
}

}  // namespace fasttile
