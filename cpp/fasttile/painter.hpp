// The painter owns the destination (docs/design.md, section 4): the mosaic itself or a
// cache-resident band holding one grid row, the cell geometry, padding, zoom, the
// lookup table and the non-finite marker. It receives quantized levels and writes
// pixels; it never reads the source.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cells.hpp"
#include "hot_loops.hpp"
#include "kernel.hpp"
#include "stream_copy.hpp"

namespace fasttile {

// Short copies (tiny tiles, padding strips) done with fixed-size moves: a libc call
// per 1..16 bytes costs more than the tile itself.
__attribute__((always_inline)) inline void copy_bytes(unsigned char* dst, const unsigned char* src, std::int64_t n) {
    if (n > 256) {
        std::memcpy(dst, src, static_cast<std::size_t>(n));
    } else if (n > 16) {  // 16-byte moves, the last one overlapping
        for (std::int64_t i = 0; i + 16 < n; i += 16) std::memcpy(dst + i, src + i, 16);
        std::memcpy(dst + n - 16, src + n - 16, 16);
    } else if (n >= 8) {
        std::memcpy(dst, src, 8);
        std::memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4) {
        std::memcpy(dst, src, 4);
        std::memcpy(dst + n - 4, src + n - 4, 4);
    } else if (n >= 2) {
        std::memcpy(dst, src, 2);
        std::memcpy(dst + n - 2, src + n - 2, 2);
    } else if (n == 1) {
        *dst = *src;
    }
}

inline void fill_pixels(unsigned char* dst, std::int64_t count, std::int64_t channels, const unsigned char* value) {
    if (channels == 1) {
        std::memset(dst, value[0], static_cast<std::size_t>(count));
        return;
    }
    for (std::int64_t i = 0; i < count; ++i) {
        dst[3 * i] = value[0];
        dst[3 * i + 1] = value[1];
        dst[3 * i + 2] = value[2];
    }
}

// Where a tile's levels and values are: level i at q[i * stride], value i at
// v[i * stride] (stride 1 for a tile of its own, kLanes inside an across-tile batch).
template <class T>
struct TileLevels {
    const unsigned char* q;
    const T* v;
    std::int64_t stride;
    bool has_nonfinite;
};

template <class T>
class Painter {
public:
    Painter(const TileSource& s, const Mosaic& m, const Output& out)
        : s_(s), m_(m), out_(out), tile_channels_(s.channel_mean ? 1 : s.channels),
          cell_h_(s.height * m.zoom + m.padding), cell_w_(s.width * m.zoom + m.padding) {
        row_.resize(static_cast<std::size_t>(s.width * m.zoom * out.channels));
        for (std::size_t i = 0; i < sizeof pad_run_; ++i) pad_run_[i] = m.pad_value[out.channels == 1 ? 0 : i % 3];
        to_output();
    }

    // Cells are drawn into the mosaic itself ...
    void to_output() {
        origin_ = out_.data + m_.padding * out_.row_stride + m_.padding * out_.channels;
        stride_ = out_.row_stride;
    }
    // ... or into a band buffer holding one grid row, left padding included, whose
    // cells then count as row 0.
    void to_band(unsigned char* band, std::int64_t band_stride) {
        origin_ = band + m_.padding * out_.channels;
        stride_ = band_stride;
    }

    // Levels go to the output bytes as they are: no zoom, lookup table or channel change.
    bool direct() const { return m_.zoom == 1 && m_.lut == nullptr && out_.channels == tile_channels_; }

    // One quantized tile into its cell, with zoom, lookup table, marker and padding.
    void paint(Cell c, const TileLevels<T>& t) {
        unsigned char* dst = cell(c);
        const std::int64_t zoom = m_.zoom, oc = out_.channels, run = s_.width * tile_channels_;
        const bool plain = direct() && !t.has_nonfinite;
        if (plain && t.stride == 1) return paint_plain(dst, t.q);
        for (std::int64_t y = 0; y < s_.height; ++y) {
            unsigned char* line = dst + y * zoom * stride_;
            const std::int64_t first = y * run;
            if (plain)  // (stride 1 went to paint_plain)
                for (std::int64_t i = 0; i < run; ++i) line[i] = t.q[(first + i) * t.stride];
            else
                copy_bytes(line, expand_row(t, first), s_.width * zoom * oc);
            pad(line + s_.width * zoom * oc, m_.padding);
            for (std::int64_t z = 1; z < zoom; ++z) copy_bytes(line + z * stride_, line, cell_w_ * oc);
        }
        for (std::int64_t y = s_.height * zoom; y < cell_h_; ++y) pad(dst + y * stride_, cell_w_);
    }

    // The common cell (levels stored as they are shown, each row followed by its
    // padding), with the sizes held in locals: every byte stored may alias the
    // painter's members, so the general loop above reloaded them after each copy (M's
    // 14x14 RGB cells: 28% of its render in paint).
    void paint_plain(unsigned char* dst, const unsigned char* q) {
        const std::int64_t run = s_.width * tile_channels_, height = s_.height, stride = stride_;
        const std::int64_t pad_bytes = m_.padding * out_.channels, cell_h = cell_h_, cell_w = cell_w_;
        const bool short_pad = pad_bytes <= static_cast<std::int64_t>(sizeof pad_run_);
        for (std::int64_t y = 0; y < height; ++y, q += run) {
            unsigned char* line = dst + y * stride;
            copy_bytes(line, q, run);
            if (short_pad)
                copy_bytes(line + run, pad_run_, pad_bytes);
            else
                pad(line + run, m_.padding);
        }
        for (std::int64_t y = height; y < cell_h; ++y) pad(dst + y * stride, cell_w);
    }

    // `count` tiles of an across-tile batch whose cells follow each other by `step`,
    // in the common direct case (nothing to mark). Rows of up to 16 bytes use a copy
    // unrolled for their exact length: for 3x3 tiles the per-tile overhead is the cost.
    void paint_lanes_direct(const unsigned char* levels, std::int64_t count, Cell c, const CellStep& step) {
        switch (s_.width * tile_channels_) {
#define FASTTILE_RUN(n) \
    case n: return paint_lanes_rows<n>(levels, count, c, step);
            FASTTILE_RUN(1) FASTTILE_RUN(2) FASTTILE_RUN(3) FASTTILE_RUN(4) FASTTILE_RUN(5) FASTTILE_RUN(6)
            FASTTILE_RUN(7) FASTTILE_RUN(8) FASTTILE_RUN(9) FASTTILE_RUN(12) FASTTILE_RUN(15) FASTTILE_RUN(16)
#undef FASTTILE_RUN
            default: return paint_lanes_rows<0>(levels, count, c, step);
        }
    }

    // Tile rows already laid out as in the picture (lane_rows.hpp): row y of tile k is
    // the `unit` bytes at rows + y * row_bytes + k * unit. Stored whole when the cells
    // sit side by side in one grid row, else tile by tile. Direct painting only.
    void place_lane_rows(const unsigned char* rows, std::int64_t row_bytes, std::int64_t count, const Cell* cells) {
        const std::int64_t unit = cell_w_ * out_.channels;
        const std::int64_t width = side_by_side(cells, count) ? count : 1;
        for (std::int64_t k = 0; k < count; k += width) {
            unsigned char* dst = cell(cells[k]);
            for (std::int64_t y = 0; y < s_.height; ++y) copy_bytes(dst + y * stride_, rows + y * row_bytes + k * unit, width * unit);
            for (std::int64_t y = s_.height; y < cell_h_; ++y) pad(dst + y * stride_, width * cell_w_);
        }
    }

    // `count` tiles' levels back to back (tile k's at tiles + k * positions, in picture
    // order) into cells side by side from c, direct painting: each picture row of the
    // cells is assembled in a buffer and stored in one stretch, its whole lines
    // streamed (stream_lines) when the mosaic is too large to stay in cache, so they
    // are not read first. Painting tile by tile stored down sixteen cells' rows, 32
    // streams at once for 32x32 tiles, each store waiting for its line.
    void paint_tiles_along(const unsigned char* tiles, std::int64_t positions, std::int64_t count, Cell c) {
        const std::int64_t run = s_.width * tile_channels_, unit = cell_w_ * out_.channels;
        along_.resize(static_cast<std::size_t>(kLanes * unit));
        unsigned char* dst = cell(c);
        for (std::int64_t y = 0; y < s_.height; ++y) {
            for (std::int64_t k = 0; k < count; ++k) {
                copy_bytes(along_.data() + k * unit, tiles + k * positions + y * run, run);
                pad(along_.data() + k * unit + run, m_.padding);
            }
            if (streaming_)
                stream_lines(dst + y * stride_, along_.data(), count * unit);
            else
                copy_bytes(dst + y * stride_, along_.data(), count * unit);
        }
        pad_under(c, count);
    }
    // Whether paint_tiles_along streams its rows (the caller fences before finishing).
    void stream_rows(bool on) { streaming_ = on; }

    // Whether the cells follow each other in one grid row.
    static bool side_by_side(const Cell* cells, std::int64_t count) {
        bool along = true;
        for (std::int64_t k = 1; k < count; ++k) along = along && cells[k].row == cells[0].row && cells[k].col == cells[0].col + k;
        return along;
    }

    // Where the lane rows of `count` cells side by side from c go (lane_rows then
    // writes them straight into the picture, no copy), and the padding rows under them.
    unsigned char* tile_rows_at(Cell c) const { return cell(c); }
    // Asks for the lines of the cell rows `bytes` to the right of c's, for writing:
    // the mosaic is often out of cache, and every store to a line not held waits for it.
    void prefetch_write(Cell c, std::int64_t bytes) const {
        const unsigned char* dst = cell(c);
        for (std::int64_t y = 0; y < cell_h_; ++y) prefetch_write_past(dst, y * stride_ + bytes);  // may lie past the end
    }
    std::int64_t row_stride() const { return stride_; }
    void pad_under(Cell c, std::int64_t count) {
        unsigned char* dst = cell(c);
        for (std::int64_t y = s_.height; y < cell_h_; ++y) pad(dst + y * stride_, count * cell_w_);
    }

    void paint_empty(Cell c) {
        unsigned char* dst = cell(c);
        for (std::int64_t y = 0; y < cell_h_; ++y) fill_pixels(dst + y * stride_, cell_w_, out_.channels, m_.pad_value);
    }

private:
    unsigned char* cell(Cell c) const { return origin_ + c.row * cell_h_ * stride_ + c.col * cell_w_ * out_.channels; }

    // One tile row as output pixels (lookup table, marker, zoom) in row_.
    const unsigned char* expand_row(const TileLevels<T>& t, std::int64_t first) {
        const std::int64_t tc = tile_channels_, oc = out_.channels;
        unsigned char* r = row_.data();
        for (std::int64_t x = 0; x < s_.width; ++x) {
            const std::int64_t at = (first + x * tc) * t.stride;
            const unsigned char* px = m_.lut ? m_.lut + 3 * t.q[at] : nullptr;
            unsigned char own[3];
            if (!px) {
                for (std::int64_t c = 0; c < tc; ++c) own[c] = t.q[at + c * t.stride];
                px = own;
            }
            if (t.has_nonfinite && m_.mark_nonfinite && !pixel_finite(t.v + at, t.stride)) px = m_.marker;
            for (std::int64_t z = 0; z < m_.zoom; ++z, r += oc)
                for (std::int64_t c = 0; c < oc; ++c) r[c] = px[c];
        }
        return row_.data();
    }

    // Run > 0: rows of exactly Run bytes; Run == 0: any length.
    template <int Run>
    void paint_lanes_rows(const unsigned char* levels, std::int64_t count, Cell c, const CellStep& step) {
        const std::int64_t run = Run > 0 ? Run : s_.width * tile_channels_;
        const std::int64_t pad_bytes = m_.padding * out_.channels;
        const bool short_pad = pad_bytes <= static_cast<std::int64_t>(sizeof pad_run_);
        for (std::int64_t k = 0; k < count; ++k, step.advance(&c)) {
            unsigned char* dst = cell(c);
            const unsigned char* q = levels + k;
            for (std::int64_t y = 0; y < s_.height; ++y, dst += stride_, q += run * kLanes) {
                if constexpr (Run > 0) {
                    unsigned char line[Run];
                    for (int i = 0; i < Run; ++i) line[i] = q[i * kLanes];
                    std::memcpy(dst, line, Run);
                } else {
                    for (std::int64_t i = 0; i < run; ++i) dst[i] = q[i * kLanes];
                }
                if (short_pad)
                    copy_bytes(dst + run, pad_run_, pad_bytes);
                else
                    pad(dst + run, m_.padding);
            }
            for (std::int64_t y = s_.height; y < cell_h_; ++y, dst += stride_) pad(dst, cell_w_);
        }
    }

    void pad(unsigned char* dst, std::int64_t pixels) const {
        const std::int64_t bytes = pixels * out_.channels;
        if (bytes <= static_cast<std::int64_t>(sizeof pad_run_))
            copy_bytes(dst, pad_run_, bytes);
        else
            fill_pixels(dst, pixels, out_.channels, m_.pad_value);
    }

    bool pixel_finite(const T* v, std::int64_t stride) const {
        for (std::int64_t c = 0; c < tile_channels_; ++c)
            if (!std::isfinite(v[c * stride])) return false;
        return true;
    }

    const TileSource& s_;
    const Mosaic& m_;
    const Output& out_;
    std::int64_t tile_channels_, cell_h_, cell_w_;
    unsigned char pad_run_[240];  // 240 gray or 80 RGB pad pixels, for short strips
    std::vector<unsigned char> row_;
    std::vector<unsigned char> along_;  // one picture row of up to kLanes cells
    bool streaming_ = false;
    unsigned char* origin_ = nullptr;  // top-left pixel of cell (0, 0)
    std::int64_t stride_ = 0;          // bytes between rows where cells are drawn
};

}  // namespace fasttile
