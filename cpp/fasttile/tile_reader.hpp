// Reading one tile of the source as contiguous values in the computing precision T,
// in (y, x, channel) order: in place when the tile is stored that way already (an
// aligned float tile with whole contiguous rows), else gathered into a small
// per-thread buffer while it is hot in cache (docs/design.md, sections 4 and 5).
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <utility>
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
        dense_ = std::is_same_v<E, T> && !mean && dense_block(s, es);
        planar_ = std::is_same_v<E, T> && !mean && rgb_planes_of_whole_rows(s, es) &&
                  s.s_channel == s.height * s.width * es && loops.interleave_planes3 != nullptr;
    }

    // An RGB tile stored as three planes of contiguous rows (an oihw bank of RGB
    // filters), which read_planes can take in place.
    bool planar() const { return planar_; }

    // Such a tile in place, in its stored (channel, y, x) order, with its finite range,
    // when it is aligned and all its values are finite; else null.
    const T* read_planes(const unsigned char* origin, T* lo, T* hi) const {
        const T* v = planes_in_place(origin);
        return v && minmax(v, lo, hi) == 0 ? v : nullptr;
    }

    // Such a tile in place when it is aligned, else null.
    const T* planes_in_place(const unsigned char* origin) const {
        if (reinterpret_cast<std::uintptr_t>(origin) % alignof(T) != 0) return nullptr;
        return reinterpret_cast<const T*>(origin);
    }

    std::int64_t size() const { return static_cast<std::int64_t>(values_.size()); }

    // The tile's finite range and non-finite count only (the range scan): a tile whose
    // values fill one contiguous block in any axis order (an oihw RGB tile: three planes)
    // is ranged in place, since a range does not depend on the order of the values.
    std::int64_t range(const unsigned char* origin, T* lo, T* hi) {
        if (!dense_ || reinterpret_cast<std::uintptr_t>(origin) % alignof(T) != 0) {
            std::int64_t bad;
            read(origin, lo, hi, &bad);
            return bad;
        }
        return minmax(reinterpret_cast<const T*>(origin), lo, hi);
    }

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
        *bad = minmax(v, lo, hi);
        return v;
    }

private:
    std::int64_t minmax(const T* v, T* lo, T* hi) const {
        *lo = std::numeric_limits<T>::infinity();
        *hi = -std::numeric_limits<T>::infinity();
        if constexpr (std::is_same_v<T, float>)
            return loops_.minmax_f32(v, size(), lo, hi);
        else
            return loops_.minmax_f64(v, size(), lo, hi);
    }

    // Whether the (channel, y, x) axes of more than one element, by increasing positive
    // stride, tile one contiguous block of elements.
    static bool dense_block(const TileSource& s, std::int64_t es) {
        std::pair<std::int64_t, std::int64_t> axes[3] = {{s.s_channel, s.channels}, {s.s_y, s.height}, {s.s_x, s.width}};
        std::sort(std::begin(axes), std::end(axes));
        std::int64_t next = es;
        for (const auto& [stride, size] : axes) {
            if (size == 1) continue;
            if (stride != next) return false;
            next = stride * size;
        }
        return true;
    }

    const TileSource& s_;
    bool mean_;
    const HotLoops& loops_;
    std::vector<T> values_;
    bool in_place_ = false;
    bool dense_ = false;  // the tile's values fill one contiguous block, in some order
    bool planar_ = false;  // an RGB tile as three planes of contiguous rows, read in place
};

}  // namespace fasttile
