// The render driver: for each grid cell, gather its tile, find the range, quantize
// and place it into the mosaic, all while the tile is in cache. Threads take blocks
// of cells; every output byte is written exactly once, so the result does not
// depend on the thread count.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "checked.hpp"
#include "gather.hpp"
#include "hot_loops.hpp"
#include "kernel.hpp"
#include "parallel.hpp"
#include "pixel_rule.hpp"
#include "source.hpp"
#include "stream_copy.hpp"

namespace fasttile {
namespace {

template <class T>
std::int64_t minmax(const HotLoops& loops, const T* x, std::int64_t n, T* lo, T* hi) {
    if constexpr (std::is_same_v<T, float>)
        return loops.minmax_f32(x, n, lo, hi);
    else
        return loops.minmax_f64(x, n, lo, hi);
}

template <class T>
void quantize(const HotLoops& loops, const T* x, std::int64_t n, const Affine<T>& p, unsigned char* q) {
    if constexpr (std::is_same_v<T, float>)
        loops.quantize_f32(x, n, p, q);
    else
        loops.quantize_f64(x, n, p, q);
}

// Short copies and fills (tiny tiles, padding strips) done with fixed-size moves:
// a libc call per 1..16 bytes costs more than the tile itself.
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

void fill_pixels(unsigned char* dst, std::int64_t count, std::int64_t channels, const unsigned char* value) {
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

// Keeps the kReportedBadTiles smallest tile numbers seen, whatever order they come in.
void record_nonfinite(NonFinite& nf, std::int64_t tile, std::int64_t count) {
    nf.count += count;
    auto at = std::lower_bound(nf.tiles.begin(), nf.tiles.end(), tile);
    if (at != nf.tiles.end() && *at == tile) return;
    if (nf.tiles.size() < kReportedBadTiles) {
        nf.tiles.insert(at, tile);
    } else if (tile < nf.tiles.back()) {
        nf.tiles.pop_back();
        nf.tiles.insert(std::lower_bound(nf.tiles.begin(), nf.tiles.end(), tile), tile);
    }
}

NonFinite merge(std::vector<NonFinite>& parts) {
    NonFinite all;
    for (auto& p : parts) {
        all.count += p.count;
        all.tiles.insert(all.tiles.end(), p.tiles.begin(), p.tiles.end());
    }
    std::sort(all.tiles.begin(), all.tiles.end());
    if (all.tiles.size() > kReportedBadTiles) all.tiles.resize(kReportedBadTiles);
    return all;
}

// Grid cell of display tile t: row by row, or column by column.
void grid_cell(const Mosaic& m, std::int64_t t, std::int64_t* row, std::int64_t* col) {
    *row = m.column_fill ? t % m.nrows : t / m.ncols;
    *col = m.column_fill ? t / m.nrows : t % m.ncols;
}

// Display tile t -> (shown unit, inner index) and its grid cell, advanced without
// divisions (they dominate the cost of tiny tiles).
struct Cursor {
    const TileSource& s;
    const Mosaic& m;
    std::int64_t unit_pos = 0, inner = 0, row = 0, col = 0;

    void seek(std::int64_t t) {
        unit_pos = t / s.n_inner;
        inner = t % s.n_inner;
        grid_cell(m, t, &row, &col);
    }
    void next() {
        if (++inner == s.n_inner) {
            inner = 0;
            ++unit_pos;
        }
        if (m.column_fill) {
            if (++row == m.nrows) {
                row = 0;
                ++col;
            }
        } else if (++col == m.ncols) {
            col = 0;
            ++row;
        }
    }
};

template <class T>
__attribute__((always_inline)) inline Affine<T> tile_affine(const Normalization& norm, const Affine<T>& fixed, T lo, T hi) {
    switch (norm.mode) {
        case NormMode::tile_range: return range_affine<T>(lo, hi);
        case NormMode::tile_symmetric:
            return lo <= hi ? symmetric_affine<T>(std::max(std::fabs(lo), std::fabs(hi))) : constant_affine<T>(T(0));
        default: return fixed;
    }
}

template <class T>
Affine<T> fixed_affine(const Normalization& norm) {
    if (norm.mode == NormMode::fixed_range) {
        const T lo = static_cast<T>(norm.lo), hi = static_cast<T>(norm.hi);
        if (!(std::isfinite(lo) && std::isfinite(hi) && lo <= hi))
            throw std::invalid_argument("the fixed value range must be finite with lo <= hi");
        return range_affine<T>(lo, hi);
    }
    if (norm.mode == NormMode::fixed_symmetric) {
        const T amax = static_cast<T>(norm.hi);
        if (!(std::isfinite(amax) && amax >= T(0)))
            throw std::invalid_argument("the symmetric bound must be finite and not negative");
        return symmetric_affine<T>(amax);
    }
    return constant_affine<T>(T(0));
}

// Grid cell of tile t + k*step from that of tile t, without divisions: the fill
// direction's length splits `step` once into whole lines and a remainder.
struct CellStep {
    std::int64_t line, whole, rest;  // line: cells per fill line
    bool column_fill;
    CellStep(const Mosaic& m, std::int64_t step)
        : line(m.column_fill ? m.nrows : m.ncols), whole(step / line), rest(step % line), column_fill(m.column_fill) {}
    void advance(std::int64_t* row, std::int64_t* col) const {
        std::int64_t* along = column_fill ? row : col;
        std::int64_t* across = column_fill ? col : row;
        *along += rest;
        *across += whole;
        if (*along >= line) {
            *along -= line;
            ++*across;
        }
    }
};

// Per-thread scratch and the placement of one tile into its cell.
template <class E, class T>
class TileWriter {
public:
    TileWriter(const TileSource& s, const Mosaic& m, const Output& out, const HotLoops& loops)
        : s_(s), m_(m), out_(out), loops_(loops) {
        tile_channels_ = s.channel_mean ? 1 : s.channels;
        values_.resize(static_cast<std::size_t>(s.height * s.width * tile_channels_));
        levels_.resize(values_.size());
        row_.resize(static_cast<std::size_t>(s.width * m.zoom * out.channels));
        cell_h_ = s.height * m.zoom + m.padding;
        cell_w_ = s.width * m.zoom + m.padding;
        for (std::size_t i = 0; i < sizeof pad_run_; ++i)
            pad_run_[i] = m.pad_value[out.channels == 1 ? 0 : i % 3];
        write_to_output();
        const std::int64_t es = static_cast<std::int64_t>(sizeof(E));
        in_place_ = std::is_same_v<E, T> && !s.channel_mean && s.s_x == s.channels * es &&
                    (s.channels == 1 || s.s_channel == es) && s.s_y == s.width * s.channels * es;
    }

    std::int64_t size() const { return static_cast<std::int64_t>(values_.size()); }

    // Cells are drawn into the mosaic itself ...
    void write_to_output() {
        origin_ = out_.data + m_.padding * out_.row_stride + m_.padding * out_.channels;
        stride_ = out_.row_stride;
    }
    // ... or into a band buffer holding one grid row, left padding included, whose
    // cells then count as row 0.
    void write_to_band(unsigned char* band, std::int64_t band_stride) {
        origin_ = band + m_.padding * out_.channels;
        stride_ = band_stride;
    }

    // Reads the tile at `origin`; returns its non-finite count, lo/hi over finite
    // values. A float tile stored whole and aligned is read in place, not copied.
    std::int64_t load(const unsigned char* origin, T* lo, T* hi) {
        if (in_place_ && reinterpret_cast<std::uintptr_t>(origin) % alignof(T) == 0) {
            tile_ = reinterpret_cast<const T*>(origin);
        } else {
            gather_tile<E, T>(origin, s_, s_.channel_mean, values_.data(), loops_);
            tile_ = values_.data();
        }
        *lo = std::numeric_limits<T>::infinity();
        *hi = -std::numeric_limits<T>::infinity();
        return minmax<T>(loops_, tile_, size(), lo, hi);
    }

    void draw(std::int64_t row, std::int64_t col, const Affine<T>& affine, bool has_nonfinite, bool own_range) {
        if constexpr (std::is_same_v<T, float>) {
            if (own_range && !has_nonfinite) {
                loops_.quantize_inrange_f32(tile_, size(), affine, levels_.data());
                place(row, col, levels_.data(), tile_, 1, false);
                return;
            }
        }
        quantize<T>(loops_, tile_, size(), affine, levels_.data());
        place(row, col, levels_.data(), tile_, 1, has_nonfinite);
    }

    // Writes a quantized tile into its cell. Its levels are q[i * stride] (and its
    // values, for marking non-finite pixels, v[i * stride]): stride 1 for a tile of
    // its own, kLanes straight out of an across-tile batch.
    void place(std::int64_t row, std::int64_t col, const unsigned char* q, const T* v, std::int64_t stride,
               bool has_nonfinite) {
        unsigned char* dst = cell(row, col);
        const std::int64_t w = s_.width, zoom = m_.zoom, oc = out_.channels, tc = tile_channels_;
        const std::int64_t tile_w = w * zoom, run = w * tc;
        const bool direct = zoom == 1 && m_.lut == nullptr && !has_nonfinite && oc == tc;
        for (std::int64_t y = 0; y < s_.height; ++y, q += run * stride) {
            unsigned char* line = dst + y * zoom * stride_;
            if (direct && stride == 1) {
                copy_bytes(line, q, run);
            } else if (direct) {
                for (std::int64_t i = 0; i < run; ++i) line[i] = q[i * stride];
            } else {
                unsigned char* r = row_.data();
                const T* vy = v + y * run * stride;
                for (std::int64_t x = 0; x < w; ++x) {
                    const unsigned char* px = m_.lut ? m_.lut + 3 * q[x * stride] : nullptr;
                    unsigned char own[3];
                    if (!px) {
                        for (std::int64_t c = 0; c < tc; ++c) own[c] = q[(x * tc + c) * stride];
                        px = own;
                    }
                    if (has_nonfinite && m_.mark_nonfinite && !pixel_finite(vy + x * tc * stride, stride)) px = m_.marker;
                    for (std::int64_t z = 0; z < zoom; ++z, r += oc)
                        for (std::int64_t c = 0; c < oc; ++c) r[c] = px[c];
                }
                copy_bytes(line, row_.data(), tile_w * oc);
            }
            pad(line + tile_w * oc, m_.padding);
            for (std::int64_t z = 1; z < zoom; ++z) copy_bytes(line + z * stride_, line, cell_w_ * oc);
        }
        for (std::int64_t y = s_.height * zoom; y < cell_h_; ++y) pad(dst + y * stride_, cell_w_);
    }

    // The common case of an across-tile batch (zoom 1, no lookup table, nothing to
    // mark): each tile's bytes go straight from the lane buffer to its cell. Rows
    // of up to 16 bytes use a copy unrolled for their exact length: for 3x3 tiles
    // the per-tile overhead is the whole cost.
    void place_lanes_direct(const unsigned char* levels, std::int64_t count, std::int64_t row, std::int64_t col,
                            const CellStep& step) {
        const std::int64_t run = s_.width * tile_channels_;
        switch (run) {
#define FASTTILE_RUN(n) \
    case n: return place_lanes_rows<n>(levels, count, row, col, step);
            FASTTILE_RUN(1) FASTTILE_RUN(2) FASTTILE_RUN(3) FASTTILE_RUN(4) FASTTILE_RUN(5) FASTTILE_RUN(6)
            FASTTILE_RUN(7) FASTTILE_RUN(8) FASTTILE_RUN(9) FASTTILE_RUN(12) FASTTILE_RUN(15) FASTTILE_RUN(16)
#undef FASTTILE_RUN
            default: return place_lanes_rows<0>(levels, count, row, col, step);
        }
    }

    // Run > 0: rows of exactly Run bytes; Run == 0: any length.
    template <int Run>
    void place_lanes_rows(const unsigned char* levels, std::int64_t count, std::int64_t row, std::int64_t col,
                          const CellStep& step) {
        const std::int64_t run = Run > 0 ? Run : s_.width * tile_channels_;
        const std::int64_t h = s_.height, rs = stride_;
        const std::int64_t pad_bytes = m_.padding * out_.channels;
        const bool short_pad = pad_bytes <= static_cast<std::int64_t>(sizeof pad_run_);
        for (std::int64_t k = 0; k < count; ++k, step.advance(&row, &col)) {
            unsigned char* dst = cell(row, col);
            const unsigned char* q = levels + k;
            for (std::int64_t y = 0; y < h; ++y, dst += rs, q += run * kLanes) {
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
            for (std::int64_t y = h; y < cell_h_; ++y, dst += rs) pad(dst, cell_w_);
        }
    }

    bool direct_placement() const { return m_.zoom == 1 && m_.lut == nullptr && out_.channels == tile_channels_; }

    void draw_empty(std::int64_t row, std::int64_t col) {
        unsigned char* dst = cell(row, col);
        for (std::int64_t y = 0; y < cell_h_; ++y)
            fill_pixels(dst + y * stride_, cell_w_, out_.channels, m_.pad_value);
    }

private:
    unsigned char* cell(std::int64_t row, std::int64_t col) const {
        return origin_ + row * cell_h_ * stride_ + col * cell_w_ * out_.channels;
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
    const HotLoops& loops_;
    std::int64_t tile_channels_, cell_h_, cell_w_;
    unsigned char pad_run_[240];  // 240 gray or 80 RGB pad pixels, for short strips
    std::vector<T> values_;
    std::vector<unsigned char> levels_, row_;
    bool in_place_ = false;
    const T* tile_ = nullptr;  // the current tile: in the source, or values_
    unsigned char* origin_ = nullptr;  // top-left pixel of cell (0, 0)
    std::int64_t stride_ = 0;          // bytes between rows where cells are drawn
};

// How tiles are read. Per tile when a tile's rows are local and long enough for the
// vector loops; otherwise kLanes tiles at a time, side by side, along whichever
// tile index keeps them closest in memory (docs/design.md, section 5).
enum class Strategy { per_tile, unit_lanes, inner_lanes };

Strategy choose_strategy(const TileSource& s, std::int64_t units) {
    const std::int64_t es = static_cast<std::int64_t>(elem_size(s.type));
    const std::int64_t values = s.height * s.width * s.channels;
    const bool rows_local = s.s_x >= -4 * es * s.channels && s.s_x <= 4 * es * s.channels;
    if (rows_local && values >= 64) return Strategy::per_tile;
    const bool by_inner = s.n_inner >= 2, by_unit = units >= 2;
    const auto magnitude = [](std::int64_t v) { return v < 0 ? -v : v; };
    if (by_inner && (!by_unit || s.indices || magnitude(s.s_inner) <= magnitude(s.s_outer)))
        return Strategy::inner_lanes;
    return by_unit ? Strategy::unit_lanes : Strategy::per_tile;
}

// One batch of up to kLanes tiles for the across-tile strategies.
struct LaneBatch {
    std::int64_t count = 0;
    std::int64_t tile[kLanes];
    const unsigned char* origin[kLanes];
    std::int64_t stride = 0;  // bytes between lanes when constant (a full batch), else 0
    bool adjacent = false;    // ... and that stride is one element
};

LaneBatch lane_batch(const TileSource& s, Strategy strategy, std::int64_t item, std::int64_t units) {
    LaneBatch b;
    const std::int64_t es = static_cast<std::int64_t>(elem_size(s.type));
    if (strategy == Strategy::inner_lanes) {
        const std::int64_t blocks = (s.n_inner + kLanes - 1) / kLanes;
        const std::int64_t unit_pos = item / blocks, first = (item % blocks) * kLanes;
        b.count = std::min<std::int64_t>(kLanes, s.n_inner - first);
        for (std::int64_t k = 0; k < b.count; ++k) {
            b.tile[k] = unit_pos * s.n_inner + first + k;
            b.origin[k] = unit_origin(s, unit_pos, first + k);
        }
        b.stride = b.count == kLanes ? s.s_inner : 0;
        b.adjacent = b.count == kLanes && s.s_inner == es;
    } else {
        const std::int64_t inner = item % s.n_inner, first = (item / s.n_inner) * kLanes;
        b.count = std::min<std::int64_t>(kLanes, units - first);
        for (std::int64_t k = 0; k < b.count; ++k) {
            b.tile[k] = (first + k) * s.n_inner + inner;
            b.origin[k] = unit_origin(s, first + k, inner);
        }
        b.stride = b.count == kLanes && !s.indices ? s.s_outer : 0;
        b.adjacent = b.stride == es;
    }
    for (std::int64_t k = b.count; k < kLanes; ++k) b.origin[k] = b.origin[b.count - 1];  // padding lanes
    return b;
}

std::int64_t lane_items(const TileSource& s, Strategy strategy, std::int64_t units) {
    if (strategy == Strategy::inner_lanes) return units * ((s.n_inner + kLanes - 1) / kLanes);
    return ((units + kLanes - 1) / kLanes) * s.n_inner;
}

template <class T>
void minmax_lanes(const HotLoops& loops, const T* x, std::int64_t n, T* lo, T* hi, std::int64_t* bad) {
    if constexpr (std::is_same_v<T, float>)
        loops.minmax_lanes_f32(x, n, lo, hi, bad);
    else
        loops.minmax_lanes_f64(x, n, lo, hi, bad);
}

template <class T>
void quantize_lanes(const HotLoops& loops, const T* x, std::int64_t n, const Affine<T>* p, unsigned char* q) {
    if constexpr (std::is_same_v<T, float>)
        loops.quantize_lanes_f32(x, n, p, q);
    else
        loops.quantize_lanes_f64(x, n, p, q);
}

// Per-thread state of the across-tile strategies.
template <class E, class T>
class LaneWorker {
public:
    LaneWorker(const TileSource& s, const Mosaic& m, TileWriter<E, T>& writer, const HotLoops& loops,
               Strategy strategy)
        : s_(s), m_(m), writer_(writer), loops_(loops),
          step_(m, strategy == Strategy::inner_lanes ? 1 : s.n_inner) {
        positions_ = writer.size();
        // One spare zero position so quantization always runs whole vector pairs.
        padded_ = positions_ + (positions_ & 1);
        values_.assign(static_cast<std::size_t>(padded_ * kLanes), T(0));
        levels_.resize(values_.size());
    }

    // Gathers and ranges a batch; reports each tile holding non-finite values.
    template <class Report>
    void load(const LaneBatch& b, Report&& report) {
        gather_lanes<E, T>(b.origin, b.stride, s_, s_.channel_mean, values_.data(), loops_);
        for (int k = 0; k < kLanes; ++k) {
            lo_[k] = std::numeric_limits<T>::infinity();
            hi_[k] = -std::numeric_limits<T>::infinity();
            bad_[k] = 0;
        }
        minmax_lanes<T>(loops_, values_.data(), positions_, lo_, hi_, bad_);
        for (std::int64_t k = 0; k < b.count; ++k)
            if (bad_[k]) report(b.tile[k], bad_[k]);
    }

    void draw(const LaneBatch& b, const Normalization& norm, const Affine<T>& fixed) {
        Affine<T> affine[kLanes];
        for (int k = 0; k < kLanes; ++k) affine[k] = tile_affine<T>(norm, fixed, lo_[k], hi_[k]);
        quantize_lanes<T>(loops_, values_.data(), padded_, affine, levels_.data());
        std::int64_t row, col;
        grid_cell(m_, b.tile[0], &row, &col);
        bool any_bad = false;
        for (std::int64_t k = 0; k < b.count; ++k) any_bad = any_bad || bad_[k] != 0;
        if (!any_bad && writer_.direct_placement()) {
            writer_.place_lanes_direct(levels_.data(), b.count, row, col, step_);
            return;
        }
        for (std::int64_t k = 0; k < b.count; ++k, step_.advance(&row, &col)) {
            writer_.place(row, col, levels_.data() + k, values_.data() + k, kLanes, bad_[k] != 0);
        }
    }

private:
    const TileSource& s_;
    const Mosaic& m_;
    TileWriter<E, T>& writer_;
    const HotLoops& loops_;
    const CellStep step_;
    std::int64_t positions_, padded_;
    std::vector<T> values_;
    std::vector<unsigned char> levels_;
    T lo_[kLanes], hi_[kLanes];
    std::int64_t bad_[kLanes];
};

void check_output(const TileSource& s, const Mosaic& m, const Output& out) {
    std::int64_t height, width;
    mosaic_shape(s, m, &height, &width);
    if (out.height != height || out.width != width)
        throw std::invalid_argument("output is " + std::to_string(out.height) + " x " + std::to_string(out.width) +
                                    " but the mosaic is " + std::to_string(height) + " x " + std::to_string(width));
    const std::int64_t tile_channels = s.channel_mean ? 1 : s.channels;
    if (out.channels != 1 && out.channels != 3) throw std::invalid_argument("output must have 1 or 3 channels");
    checked_mul(checked_mul(height, width, "mosaic size"), out.channels, "mosaic size");
    if (tile_channels == 3 && (out.channels != 3 || m.lut))
        throw std::invalid_argument("RGB tiles need a 3-channel output and no lookup table");
    if (tile_channels == 1 && out.channels == 3 && !m.lut)
        throw std::invalid_argument("gray tiles need a lookup table for a 3-channel output");
    if (tile_channels == 1 && out.channels == 1 && m.lut)
        throw std::invalid_argument("a lookup table needs a 3-channel output");
    if (m.mark_nonfinite && out.channels != 3) throw std::invalid_argument("marking non-finite values needs RGB output");
    if (out.row_stride < width * out.channels) throw std::invalid_argument("output rows overlap");
    if (!out.data) throw std::invalid_argument("output buffer is null");
}

template <class E, class T>
NonFinite render_typed(const TileSource& s, const Normalization& norm, const Mosaic& m, const Output& out,
                       int threads) {
    const HotLoops& loops = active_loops();
    const Affine<T> fixed = fixed_affine<T>(norm);
    const std::int64_t tiles = tile_count(s);
    const std::int64_t units = s.indices ? s.n_indices : s.n_outer;
    const std::int64_t cells = m.nrows * m.ncols;
    const double work = shown_values(s) + static_cast<double>(out.height) * static_cast<double>(out.width * out.channels);
    const Strategy strategy = choose_strategy(s, units);
    const bool own_range = norm.mode == NormMode::tile_range || norm.mode == NormMode::tile_symmetric;
    // Large mosaics drawn per tile are assembled one grid row at a time in a
    // cache-resident band and streamed out in whole lines (see stream_copy.hpp).
    const std::int64_t cell_h = s.height * m.zoom + m.padding;
    const std::int64_t band_bytes = cell_h * out.width * out.channels;
    const bool banded = strategy == Strategy::per_tile && !m.column_fill && band_bytes <= (std::int64_t{8} << 20) &&
                        out.height * out.width * out.channels >= (std::int64_t{8} << 20);
    const std::int64_t items = banded ? m.nrows
                               : strategy == Strategy::per_tile ? tiles
                                                                : lane_items(s, strategy, units);
    const int nthreads = threads_for(work, threads, items);

    // Outer strips: the top padding rows and (unless bands carry it) the left padding.
    for (std::int64_t y = 0; y < m.padding; ++y)
        fill_pixels(out.data + y * out.row_stride, out.width, out.channels, m.pad_value);
    if (!banded)
        for (std::int64_t y = m.padding; y < out.height; ++y)
            fill_pixels(out.data + y * out.row_stride, m.padding, out.channels, m.pad_value);

    std::atomic<bool> failed{false};  // a non-finite value was met and is not to be marked
    std::vector<NonFinite> found(static_cast<std::size_t>(nthreads));
    BlockQueue queue(items, std::max<std::int64_t>(1, items / (std::int64_t{nthreads} * 16)));
    run_threads(nthreads, [&](int thread) {
        TileWriter<E, T> writer(s, m, out, loops);
        NonFinite& mine = found[static_cast<std::size_t>(thread)];
        const auto report = [&](std::int64_t tile, std::int64_t bad) {
            record_nonfinite(mine, tile, bad);
            if (!m.mark_nonfinite) failed.store(true, std::memory_order_relaxed);
        };
        // One tile, per-tile strategy: read and range it, then (unless drawing has
        // stopped) quantize it into cell (row, col).
        const auto one_tile = [&](std::int64_t t, const Cursor& at, std::int64_t row, std::int64_t col) {
            T lo, hi;
            const std::int64_t bad = writer.load(unit_origin(s, at.unit_pos, at.inner), &lo, &hi);
            if (bad) report(t, bad);
            if (!failed.load(std::memory_order_relaxed))
                writer.draw(row, col, tile_affine<T>(norm, fixed, lo, hi), bad != 0, own_range);
        };
        std::int64_t begin, end;
        if (banded) {
            const std::int64_t band_stride = out.width * out.channels;
            std::vector<unsigned char> band(static_cast<std::size_t>(band_bytes));
            for (std::int64_t y = 0; y < cell_h; ++y)
                fill_pixels(band.data() + y * band_stride, m.padding, out.channels, m.pad_value);
            writer.write_to_band(band.data(), band_stride);
            Cursor at{s, m};
            while (queue.pop(&begin, &end)) {
                for (std::int64_t r = begin; r < end; ++r) {
                    const std::int64_t first = r * m.ncols;
                    if (first < tiles) at.seek(first);
                    for (std::int64_t c = 0; c < m.ncols; ++c) {
                        const std::int64_t t = first + c;
                        if (t >= tiles) {
                            writer.draw_empty(0, c);
                            continue;
                        }
                        one_tile(t, at, 0, c);  // band cells are row 0
                        at.next();
                    }
                    if (failed.load(std::memory_order_relaxed)) continue;  // keep counting, stop writing
                    unsigned char* dst = out.data + (m.padding + r * cell_h) * out.row_stride;
                    for (std::int64_t y = 0; y < cell_h; ++y)
                        stream_copy(dst + y * out.row_stride, band.data() + y * band_stride, band_stride);
                }
            }
            stream_fence();
            return;
        }
        if (strategy == Strategy::per_tile) {
            Cursor at{s, m};
            while (queue.pop(&begin, &end)) {
                at.seek(begin);
                for (std::int64_t t = begin; t < end; ++t, at.next()) one_tile(t, at, at.row, at.col);
            }
        } else {
            LaneWorker<E, T> lanes(s, m, writer, loops, strategy);
            while (queue.pop(&begin, &end)) {
                for (std::int64_t item = begin; item < end; ++item) {
                    const LaneBatch batch = lane_batch(s, strategy, item, units);
                    lanes.load(batch, report);
                    if (failed.load(std::memory_order_relaxed)) continue;
                    lanes.draw(batch, norm, fixed);
                }
            }
        }
        // Empty cells after the last tile, split by thread.
        if (!failed.load(std::memory_order_relaxed)) {
            Cursor at{s, m};
            for (std::int64_t t = tiles + thread; t < cells; t += nthreads) {
                at.seek(t);
                writer.draw_empty(at.row, at.col);
            }
        }
    });
    return merge(found);
}

template <class E, class T>
Range scan_typed(const TileSource& s, int threads) {
    const HotLoops& loops = active_loops();
    const std::int64_t tiles = tile_count(s);
    const int nthreads = threads_for(shown_values(s), threads, tiles);
    std::vector<NonFinite> found(static_cast<std::size_t>(nthreads));
    std::vector<T> lows(static_cast<std::size_t>(nthreads), std::numeric_limits<T>::infinity());
    std::vector<T> highs(static_cast<std::size_t>(nthreads), -std::numeric_limits<T>::infinity());
    BlockQueue queue(tiles, std::max<std::int64_t>(1, tiles / (std::int64_t{nthreads} * 16)));
    run_threads(nthreads, [&](int thread) {
        const std::size_t me = static_cast<std::size_t>(thread);
        std::vector<T> values(static_cast<std::size_t>(s.height * s.width * (s.channel_mean ? 1 : s.channels)));
        std::int64_t begin, end;
        while (queue.pop(&begin, &end)) {
            for (std::int64_t t = begin; t < end; ++t) {
                gather_tile<E, T>(tile_origin(s, t), s, s.channel_mean, values.data(), loops);
                const std::int64_t bad =
                    minmax<T>(loops, values.data(), static_cast<std::int64_t>(values.size()), &lows[me], &highs[me]);
                if (bad) record_nonfinite(found[me], t, bad);
            }
        }
    });
    Range r{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(), merge(found)};
    for (int t = 0; t < nthreads; ++t) {
        r.lo = std::min(r.lo, static_cast<double>(lows[static_cast<std::size_t>(t)]));
        r.hi = std::max(r.hi, static_cast<double>(highs[static_cast<std::size_t>(t)]));
    }
    return r;
}

}  // namespace

NonFinite render(const TileSource& s, const Normalization& norm, const Mosaic& m, const Output& out, int threads) {
    check_threads(threads);
    check_source(s);
    check_output(s, m, out);
    return with_types(s.type, [&]<class E, class T>() { return render_typed<E, T>(s, norm, m, out, threads); });
}

Range scan_range(const TileSource& s, int threads) {
    check_threads(threads);
    check_source(s);
    return with_types(s.type, [&]<class E, class T>() { return scan_typed<E, T>(s, threads); });
}

}  // namespace fasttile
