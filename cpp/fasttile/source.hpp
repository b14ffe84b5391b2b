// Small facts about a checked TileSource that every pass over it needs: where a
// tile starts, how much work it is, and the element type as template arguments.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
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

// Whether each tile is three channel planes whose rows of es-byte elements lie back to
// back (an oihw bank of RGB filters): each plane one contiguous run of pixels.
inline bool rgb_planes_of_whole_rows(const TileSource& s, std::int64_t es) {
    return s.channels == 3 && s.s_x == es && s.s_y == s.width * es;
}

// Where every element of the view is shown once and the elements fill one contiguous
// block of memory exactly (some order of the five axes is a dense C-order array: a
// whole rows, cols, oihw or hwio bank), sets *first and *count and returns true.
// Passes whose result does not depend on the order of the values can then stream the
// block in memory order.
inline bool dense_block(const TileSource& s, const unsigned char** first, std::int64_t* count) {
    if (s.indices || s.channel_mean) return false;
    struct Axis {
        std::int64_t size, stride;
    } axes[5] = {{s.n_outer, s.s_outer},
                 {s.n_inner, s.s_inner},
                 {s.channels, s.s_channel},
                 {s.height, s.s_y},
                 {s.width, s.s_x}};
    const unsigned char* low = s.origin;
    std::int64_t n = 1;
    for (auto& a : axes) {
        if (a.size < 1) return false;
        if (a.size == 1) a.stride = 0;  // a single index may have any stride
        if (a.stride < 0) {
            low += (a.size - 1) * a.stride;
            a.stride = -a.stride;
        }
        n *= a.size;
    }
    std::sort(std::begin(axes), std::end(axes), [](const Axis& a, const Axis& b) { return a.stride < b.stride; });
    std::int64_t expected = static_cast<std::int64_t>(elem_size(s.type));
    for (const auto& a : axes) {
        if (a.size == 1) continue;
        if (a.stride != expected) return false;
        expected *= a.size;
    }
    *first = low;
    *count = n;
    return true;
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
