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

#include "gather.hpp"
#include "hot_loops.hpp"
#include "kernel.hpp"
#include "parallel.hpp"
#include "pixel_rule.hpp"

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

void fill_pixels(unsigned char* dst, std::int64_t count, std::int64_t channels, const unsigned char* value) {
    if (channels == 1) {
        std::memset(dst, value[0], static_cast<std::size_t>(count));
        return;
    }
    for (std::int64_t i = 0; i < count; ++i) std::memcpy(dst + 3 * i, value, 3);
}

void record_nonfinite(NonFinite& nf, std::int64_t tile, std::int64_t count) {
    nf.count += count;
    if (nf.tiles.size() < kReportedBadTiles) nf.tiles.push_back(tile);
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

const unsigned char* tile_origin(const TileSource& s, std::int64_t t) {
    const std::int64_t unit_pos = t / s.n_inner;
    const std::int64_t inner = t % s.n_inner;
    const std::int64_t unit = s.indices ? s.indices[unit_pos] : unit_pos;
    return s.origin + unit * s.s_outer + inner * s.s_inner;
}

template <class T>
Affine<T> tile_affine(const Normalization& norm, const Affine<T>& fixed, T lo, T hi) {
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

// Per-thread scratch and the placement of one tile into its cell.
template <class E, class T>
class TileWriter {
public:
    TileWriter(const TileSource& s, const Mosaic& m, const Output& out, const HotLoops& loops)
        : s_(s), m_(m), out_(out), loops_(loops) {
        tile_channels_ = s.channel_mean ? 1 : s.channels;
        pixels_ = s.height * s.width;
        values_.resize(static_cast<std::size_t>(pixels_ * tile_channels_));
        levels_.resize(values_.size());
        row_.resize(static_cast<std::size_t>(s.width * m.zoom * out.channels));
        cell_h_ = s.height * m.zoom + m.padding;
        cell_w_ = s.width * m.zoom + m.padding;
    }

    // Gathers tile t and returns its non-finite count; lo/hi over finite values.
    std::int64_t load(std::int64_t t, T* lo, T* hi) {
        gather_tile<E, T>(tile_origin(s_, t), s_, s_.channel_mean, values_.data(), loops_);
        *lo = std::numeric_limits<T>::infinity();
        *hi = -std::numeric_limits<T>::infinity();
        return minmax<T>(loops_, values_.data(), static_cast<std::int64_t>(values_.size()), lo, hi);
    }

    void draw(std::int64_t t, const Affine<T>& affine, bool has_nonfinite) {
        quantize<T>(loops_, values_.data(), static_cast<std::int64_t>(values_.size()), affine, levels_.data());
        place(cell_of(t), has_nonfinite);
    }

    void draw_empty(std::int64_t t) {
        unsigned char* dst = cell_of(t);
        for (std::int64_t y = 0; y < cell_h_; ++y)
            fill_pixels(dst + y * out_.row_stride, cell_w_, out_.channels, m_.pad_value);
    }

private:
    unsigned char* cell_of(std::int64_t t) const {
        std::int64_t r, c;
        if (m_.column_fill) {
            r = t % m_.nrows;
            c = t / m_.nrows;
        } else {
            r = t / m_.ncols;
            c = t % m_.ncols;
        }
        return out_.data + (m_.padding + r * cell_h_) * out_.row_stride + (m_.padding + c * cell_w_) * out_.channels;
    }

    bool pixel_finite(std::int64_t pixel) const {
        for (std::int64_t c = 0; c < tile_channels_; ++c)
            if (!std::isfinite(values_[static_cast<std::size_t>(pixel * tile_channels_ + c)])) return false;
        return true;
    }

    void place(unsigned char* dst, bool has_nonfinite) {
        const std::int64_t w = s_.width, zoom = m_.zoom, oc = out_.channels, tc = tile_channels_;
        const std::int64_t tile_w = w * zoom;
        const bool direct = zoom == 1 && m_.lut == nullptr && !has_nonfinite && oc == tc;
        for (std::int64_t y = 0; y < s_.height; ++y) {
            unsigned char* line = dst + y * zoom * out_.row_stride;
            const unsigned char* q = levels_.data() + y * w * tc;
            if (direct) {
                std::memcpy(line, q, static_cast<std::size_t>(w * tc));
            } else {
                unsigned char* r = row_.data();
                for (std::int64_t x = 0; x < w; ++x) {
                    const unsigned char* px = m_.lut ? m_.lut + 3 * q[x] : q + x * tc;
                    if (has_nonfinite && m_.mark_nonfinite && !pixel_finite(y * w + x)) px = m_.marker;
                    for (std::int64_t z = 0; z < zoom; ++z, r += oc) std::memcpy(r, px, static_cast<std::size_t>(oc));
                }
                std::memcpy(line, row_.data(), static_cast<std::size_t>(tile_w * oc));
            }
            fill_pixels(line + tile_w * oc, m_.padding, oc, m_.pad_value);
            for (std::int64_t z = 1; z < zoom; ++z)
                std::memcpy(line + z * out_.row_stride, line, static_cast<std::size_t>(cell_w_ * oc));
        }
        for (std::int64_t y = s_.height * zoom; y < cell_h_; ++y)
            fill_pixels(dst + y * out_.row_stride, cell_w_, oc, m_.pad_value);
    }

    const TileSource& s_;
    const Mosaic& m_;
    const Output& out_;
    const HotLoops& loops_;
    std::int64_t tile_channels_, pixels_, cell_h_, cell_w_;
    std::vector<T> values_;
    std::vector<unsigned char> levels_, row_;
};

void check_output(const TileSource& s, const Mosaic& m, const Output& out) {
    std::int64_t height, width;
    mosaic_shape(s, m, &height, &width);
    if (out.height != height || out.width != width)
        throw std::invalid_argument("output is " + std::to_string(out.height) + " x " + std::to_string(out.width) +
                                    " but the mosaic is " + std::to_string(height) + " x " + std::to_string(width));
    const std::int64_t tile_channels = s.channel_mean ? 1 : s.channels;
    if (out.channels != 1 && out.channels != 3) throw std::invalid_argument("output must have 1 or 3 channels");
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
    const std::int64_t cells = m.nrows * m.ncols;
    const std::int64_t work = tiles * s.channels * s.height * s.width + out.height * out.width * out.channels;
    const int nthreads = threads_for(work, threads, cells);

    // Outer strips: the top padding rows and the left padding columns.
    for (std::int64_t y = 0; y < m.padding; ++y)
        fill_pixels(out.data + y * out.row_stride, out.width, out.channels, m.pad_value);
    for (std::int64_t y = m.padding; y < out.height; ++y)
        fill_pixels(out.data + y * out.row_stride, m.padding, out.channels, m.pad_value);

    std::atomic<bool> failed{false};  // a non-finite value was met and is not to be marked
    std::vector<NonFinite> found(static_cast<std::size_t>(nthreads));
    BlockQueue queue(cells, std::max<std::int64_t>(1, cells / (std::int64_t{nthreads} * 16)));
    run_threads(nthreads, [&](int thread) {
        TileWriter<E, T> writer(s, m, out, loops);
        NonFinite& mine = found[static_cast<std::size_t>(thread)];
        std::int64_t begin, end;
        while (queue.pop(&begin, &end)) {
            for (std::int64_t t = begin; t < end; ++t) {
                if (t >= tiles) {
                    if (!failed.load(std::memory_order_relaxed)) writer.draw_empty(t);
                    continue;
                }
                T lo, hi;
                const std::int64_t bad = writer.load(t, &lo, &hi);
                if (bad) {
                    record_nonfinite(mine, t, bad);
                    if (!m.mark_nonfinite) failed.store(true, std::memory_order_relaxed);
                }
                if (failed.load(std::memory_order_relaxed)) continue;  // keep counting, stop writing
                writer.draw(t, tile_affine<T>(norm, fixed, lo, hi), bad != 0);
            }
        }
    });
    return merge(found);
}

template <class E, class T>
Range scan_typed(const TileSource& s, int threads) {
    const HotLoops& loops = active_loops();
    const std::int64_t tiles = tile_count(s);
    const int nthreads = threads_for(tiles * s.channels * s.height * s.width, threads, tiles);
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

template <class E, class T>
std::vector<double> norms_typed(const TileSource& s, int threads) {
    const HotLoops& loops = active_loops();
    const std::int64_t units = s.indices ? s.n_indices : s.n_outer;
    std::vector<double> norms(static_cast<std::size_t>(units), 0.0);
    const int nthreads = threads_for(units * s.n_inner * s.channels * s.height * s.width, threads, units);
    BlockQueue queue(units, std::max<std::int64_t>(1, units / (std::int64_t{nthreads} * 16)));
    run_threads(nthreads, [&](int) {
        std::vector<T> values(static_cast<std::size_t>(s.height * s.width * s.channels));
        std::int64_t begin, end;
        while (queue.pop(&begin, &end)) {
            for (std::int64_t u = begin; u < end; ++u) {
                double acc = 0.0;
                for (std::int64_t i = 0; i < s.n_inner; ++i) {
                    gather_tile<E, T>(tile_origin(s, u * s.n_inner + i), s, false, values.data(), loops);
                    for (const T v : values) acc += static_cast<double>(v) * static_cast<double>(v);
                }
                norms[static_cast<std::size_t>(u)] = acc;
            }
        }
    });
    return norms;
}

// Calls f.template operator()<E, T>() for the source's element type.
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

void check_threads(int threads) {
    if (threads < 1) throw std::invalid_argument("threads must be at least 1");
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

std::vector<double> unit_sq_norms(const TileSource& s, int threads) {
    check_threads(threads);
    check_source(s);
    return with_types(s.type, [&]<class E, class T>() { return norms_typed<E, T>(s, threads); });
}

}  // namespace fasttile
