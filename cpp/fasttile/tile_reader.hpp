// Reading one tile of the source as contiguous values in the computing precision T,
// in (y, x, channel) order: in place when the tile is stored that way already (an
// aligned float tile with whole contiguous rows), else gathered into a small
// per-thread buffer while it is hot in cache (docs/design.md, sections 4 and 5).
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "gather.hpp"
#include "hot_loops.hpp"
#include "kernel.hpp"

namespace fasttile {

template <class E, class T>
class TileReader {
public:
    // mean: average the channels into one value per pixel (the view's channel_mean).
    TileReader(const TileSource& s, bool mean, const HotLoops& loops) : s_(s), mean_(mean), loops_(loops) {
        values_.resize(static_cast<std::size_t>(s.height * s.width * (mean ? 1 : s.channels)));
        const std::int64_t es = static_cast<std::int64_t>(sizeof(E));
        in_place_ = std::is_same_v<E, T> && !mean && s.s_x == s.channels * es &&
                    (s.channels == 1 || s.s_channel == es) && s.s_y == s.width * s.channels * es;
    }

    std::int64_t size() const { return static_cast<std::int64_t>(values_.size()); }

    // The tile starting at `origin`; valid until the next call.
    const T* read(const unsigned char* origin) {
        if (in_place_ && reinterpret_cast<std::uintptr_t>(origin) % alignof(T) == 0)
            return reinterpret_cast<const T*>(origin);
        gather_tile<E, T>(origin, s_, mean_, values_.data(), loops_);
        return values_.data();
    }

    // The tile and its finite range; returns how many values were not finite.
    const T* read(const unsigned char* origin, T* lo, T* hi, std::int64_t* bad) {
        const T* v = read(origin);
        *lo = std::numeric_limits<T>::infinity();
        *hi = -std::numeric_limits<T>::infinity();
        if constexpr (std::is_same_v<T, float>)
            *bad = loops_.minmax_f32(v, size(), lo, hi);
        else
            *bad = loops_.minmax_f64(v, size(), lo, hi);
        return v;
    }

private:
    const TileSource& s_;
    bool mean_;
    const HotLoops& loops_;
    std::vector<T> values_;
    bool in_place_ = false;
};

}  // namespace fasttile
