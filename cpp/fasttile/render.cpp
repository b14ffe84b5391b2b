// The render driver (docs/design.md, section 4): the reader yields tiles (one, or
// kLanes side by side) with their ranges, the quantizer maps them to levels, the
// painter places them. Threads take blocks of items (tiles, lane batches or grid
// rows); every output byte is written exactly once, so the result does not depend on
// the thread count.
#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "checked.hpp"
#include "lane_groups.hpp"
#include "lane_reader.hpp"
#include "lane_transpose.hpp"
#include "nonfinite.hpp"
#include "painter.hpp"
#include "parallel.hpp"
#include "quantizer.hpp"
#include "source.hpp"
#include "stream_copy.hpp"
#include "tile_reader.hpp"

namespace fasttile {
namespace {

constexpr std::int64_t kBandBytes = std::int64_t{8} << 20;

// A mosaic this large is written past the cache (bands streamed out, lane rows'
// whole lines streamed): it would not stay there for the caller anyway.
bool streamed_out(const Output& out) { return out.height * out.width * out.channels >= kBandBytes; }

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

// What one render shares across its threads.
struct Job {
    const TileSource& s;
    const Normalization& norm;
    const Mosaic& m;
    const Output& out;
    const HotLoops& loops;
    Strategy strategy;
    const LaneGroups& groups;  // work items of the lane strategies
    bool banded;  // per-tile drawing assembled one grid row at a time (see stream_copy.hpp)
    std::int64_t tiles;
    // Reading order: a selection read in sorted order has rank[j] = display position of
    // the j-th unit read (null: units are read in display order).
    const std::int64_t* rank;
    std::vector<NonFinite> found;      // per thread
    std::atomic<bool> failed{false};  // a non-finite value was met and is not to be marked

    void report(int thread, std::int64_t tile, std::int64_t bad) {
        record_nonfinite(found[static_cast<std::size_t>(thread)], tile, bad);
        if (!m.mark_nonfinite) failed.store(true, std::memory_order_relaxed);
    }
    std::int64_t display_tile(std::int64_t t) const {
        return rank ? rank[t / s.n_inner] * s.n_inner + t % s.n_inner : t;
    }
    // Once failed, tiles are still read (the count covers the whole bank) but not painted.
    bool stopped() const { return failed.load(std::memory_order_relaxed); }
};

// One thread's reader, quantizer and painter for the per-tile strategy.
template <class E, class T>
struct TileWorker {
    Job& job;
    int thread;
    TileReader<E, T> reader;
    Quantizer<T> quantizer;
    Painter<T> painter;

    std::vector<unsigned char> pixels;  // an RGB tile's levels, interleaved from planes

    TileWorker(Job& j, int t)
        : job(j), thread(t), reader(j.s, j.s.channel_mean, j.loops), quantizer(j.norm, j.loops, reader.size()),
          painter(j.s, j.m, j.out), pixels(static_cast<std::size_t>(reader.size())) {}

    void draw(std::int64_t t, const TileCursor& at, Cell cell) {
        const unsigned char* origin = unit_origin(job.s, at.unit_pos, at.inner);
        if (reader.planar() && draw_planes(origin, cell)) return;
        T lo = 0, hi = 0;  // a scanned map needs no range of the tile (Normalization::scanned)
        std::int64_t bad = 0;
        const T* v = job.norm.scanned ? reader.read(origin) : reader.read(origin, &lo, &hi, &bad);
        if (bad) job.report(thread, t, bad);
        if (job.stopped()) return;
        const unsigned char* q = quantizer.tile(v, reader.size(), quantizer.affine(lo, hi), lo, hi, bad != 0);
        painter.paint(cell, TileLevels<T>{q, v, 1, bad != 0});
    }

    // An RGB tile stored as three planes, all finite: ranged and quantized in place and
    // its levels interleaved into pixels (a third of the bytes the values would be).
    // False, with nothing done, for a tile this cannot draw (draw's reading takes it).
    bool draw_planes(const unsigned char* origin, Cell cell) {
        T lo = 0, hi = 0;
        const T* v = job.norm.scanned ? reader.planes_in_place(origin) : reader.read_planes(origin, &lo, &hi);
        if (!v) return false;
        if (job.stopped()) return true;
        const unsigned char* q = quantizer.tile(v, reader.size(), quantizer.affine(lo, hi), lo, hi, false);
        job.loops.interleave_planes3(q, reader.size() / 3, pixels.data());
        painter.paint(cell, TileLevels<T>{pixels.data(), nullptr, 1, false});
        return true;
    }

    // Tiles in reading order; with a rank (a selection read sorted), each painted at its
    // display position.
    void run(BlockQueue& queue) {
        TileCursor at{job.s, job.m};
        std::int64_t begin, end;
        while (queue.pop(&begin, &end)) {
            at.seek(begin);
            for (std::int64_t t = begin; t < end; ++t, at.next()) {
                const std::int64_t shown = job.display_tile(t);  // t itself without a rank
                draw(shown, at, job.rank ? cell_of(job.m, shown) : at.cell);
            }
        }
    }

    // Items are grid rows: each is painted into a band (cells in row 0) and streamed out.
    void run_banded(BlockQueue& queue) {
        const Mosaic& m = job.m;
        const Output& out = job.out;
        const std::int64_t band_stride = out.width * out.channels, cell_h = job.s.height * m.zoom + m.padding;
        std::vector<unsigned char> band(static_cast<std::size_t>(cell_h * band_stride));
        for (std::int64_t y = 0; y < cell_h; ++y)
            fill_pixels(band.data() + y * band_stride, m.padding, out.channels, m.pad_value);
        painter.to_band(band.data(), band_stride);
        TileCursor at{job.s, m};
        std::int64_t begin, end;
        while (queue.pop(&begin, &end)) {
            for (std::int64_t r = begin; r < end; ++r) {
                const std::int64_t first = r * m.ncols;
                if (first < job.tiles) at.seek(first);
                for (std::int64_t c = 0; c < m.ncols; ++c, at.next()) {
                    if (first + c < job.tiles)
                        draw(first + c, at, Cell{0, c});
                    else
                        painter.paint_empty(Cell{0, c});
                }
                if (job.stopped()) continue;
                unsigned char* dst = out.data + (m.padding + r * cell_h) * out.row_stride;
                for (std::int64_t y = 0; y < cell_h; ++y)
                    stream_copy(dst + y * out.row_stride, band.data() + y * band_stride, band_stride);
            }
        }
        stream_fence();
    }
};

// Batches ahead whose picture rows a lane batch asks for (lines past a grid row's end
// are the next picture row's: harmless). With the mosaic out of cache, every store of
// the batch's rows waited for its line: T 1.00 -> 0.75 ms, H 1.16 -> 1.02 ms (paired
// medians, bank and mosaic out of cache; 8 or 16 batches ahead were slower than 4).
constexpr std::int64_t kWriteAheadBatches = 4;

// One thread's reader, quantizer and painter for the across-tile strategies.
template <class E, class T>
struct LaneWorker {
    Job& job;
    int thread;
    LaneReader<E, T> reader;
    Quantizer<T> quantizer;
    Painter<T> painter;
    CellStep step;
    LaneRows rows;                    // usable when a batch's picture rows can be laid out whole
    std::vector<unsigned char> laid;  // those rows, or the batch's levels tile by tile

    LaneWorker(Job& j, int t)
        : job(j), thread(t), reader(j.s, j.s.channel_mean, j.loops, j.groups.width),
          quantizer(j.norm, j.loops, reader.padded_positions() * kLanes), painter(j.s, j.m, j.out),
          step(j.m, j.groups.crossed ? 1 : lane_tile_step(j.s, j.strategy)) {
        painter.stream_rows(streamed_out(j.out));
        if (painter.direct()) {
            const std::int64_t run = j.s.width * j.out.channels, pad_bytes = j.m.padding * j.out.channels;
            if (run <= LaneRows::kMaxRun && pad_bytes <= LaneRows::kMaxUnit)
                rows = LaneRows(static_cast<int>(run), static_cast<int>(pad_bytes), j.m.pad_value,
                                j.out.channels == 1 ? 1 : 3);
            laid.resize(static_cast<std::size_t>(std::max(rows.row_bytes() * j.s.height, reader.positions() * kLanes)));
        }
    }

    // Rows longer than 16 levels: each tile's levels made contiguous, then painted with
    // plain copies: a picture row at a time across cells side by side (a cols bank of
    // 32x32x3 columns, 3072 x 65536 float32: 73 -> 57 ms on two threads, paired
    // medians, with the rows' whole lines streamed), else row by row in each cell.
    bool wide_rows() const { return job.s.width * job.out.channels > 16; }
    void paint_by_tile(const unsigned char* q, std::int64_t count, const Cell* cells) {
        const std::int64_t positions = reader.positions();
        levels_by_tile(q, positions, laid.data());
        if (stepped() && step.side_by_side(cells[0], count))
            return painter.paint_tiles_along(laid.data(), positions, count, cells[0]);
        for (std::int64_t k = 0; k < count; ++k)
            painter.paint(cells[k], TileLevels<T>{laid.data() + k * positions, nullptr, 1, false});
    }

    // Reports the lanes holding non-finite values; true when there are any.
    bool report_bad(const LaneBatch& b) {
        bool any_bad = false;
        for (int k = 0; k < kLanes; ++k) any_bad |= reader.bad[k] != 0;  // lanes past count repeat the last
        if (any_bad)
            for (std::int64_t k = 0; k < b.count; ++k)
                if (reader.bad[k]) job.report(thread, job.display_tile(b.tile[k]), reader.bad[k]);
        return any_bad;
    }

    // The cell of each lane from that of the first. In display order (no rank) the
    // cells follow the first by `step`, and so do those of a batch of one unit's
    // consecutive inner tiles (crossed, or inner_lanes), shown together wherever the
    // unit's rank puts it; only a batch with a rank and lanes of different units finds
    // each by a division.
    bool stepped() const { return !job.rank || job.groups.crossed || job.strategy == Strategy::inner_lanes; }
    void locate(const LaneBatch& b, Cell first, Cell* cells) {
        // The cell is stepped in registers: reloading one just stored stalls store forwarding.
        Cell cell = first;
        for (std::int64_t k = 0; k < b.count; ++k) {
            if (k > 0) cell = stepped() ? step.next(cell) : cell_of(job.m, job.display_tile(b.tile[k]));
            cells[k] = cell;
        }
    }

    // The levels of the reader's current batch: in one call when its values are all
    // finite under tile_range (or inside a fixed map), else from each lane's range (the
    // non-finite values reported). Sets *any_bad.
    const unsigned char* quantize(const LaneBatch& b, bool* any_bad) {
        if (const unsigned char* q = quantizer.finite_lanes(reader.values(), reader.positions())) {
            *any_bad = false;
            return q;
        }
        // Scanned float64 (a float batch was quantized above): no range is needed, and
        // lanes() keeps its clamps, which change nothing inside the map.
        if (job.norm.scanned) {
            *any_bad = false;
            return quantizer.lanes(reader.values(), reader.padded_positions(), reader.lo, reader.hi, true);
        }
        reader.find_range();
        *any_bad = report_bad(b);
        return quantizer.lanes(reader.values(), reader.padded_positions(), reader.lo, reader.hi, !*any_bad);
    }

    // The batch is the reader's current one.
    void draw(const LaneBatch& b) {
        bool any_bad;
        const unsigned char* q = quantize(b, &any_bad);
        if (job.stopped()) return;
        const Cell first = cell_of(job.m, job.display_tile(b.tile[0]));
        // The common case of tiny tiles: a full batch of cells side by side in one grid
        // row, whose picture rows are laid out straight into the mosaic (no copy).
        if (!any_bad && rows.usable() && b.count == kLanes && stepped() && step.side_by_side(first, kLanes)) {
            painter.prefetch_write(first, kWriteAheadBatches * rows.row_bytes());
            job.loops.lane_rows(q, job.s.height, rows, painter.tile_rows_at(first), painter.row_stride());
            return painter.pad_under(first, kLanes);
        }
        Cell cells[kLanes];
        locate(b, first, cells);
        if (!any_bad && rows.usable()) {
            job.loops.lane_rows(q, job.s.height, rows, laid.data(), rows.row_bytes());
            return painter.place_lane_rows(laid.data(), rows.row_bytes(), b.count, cells);
        }
        if (!any_bad && painter.direct() && wide_rows()) return paint_by_tile(q, b.count, cells);
        if (!any_bad && painter.direct() && !job.rank) return painter.paint_lanes_direct(q, b.count, cells[0], step);
        for (std::int64_t k = 0; k < b.count; ++k) {
            if (!any_bad && painter.direct())
                painter.paint_lanes_direct(q + k, 1, cells[k], step);
            else
                painter.paint(cells[k], TileLevels<T>{q + k, reader.values() + k, kLanes, any_bad && reader.bad[k] != 0});
        }
    }

    // A crossed group (lane_groups.hpp) from its first batch: one batch per unit of the
    // block, of its n inner tiles.
    void draw_crossed(const LaneBatch& first, int n, std::int64_t ahead) {
        reader.gather_crossed(first, n, ahead);
        for (std::int64_t k = 0; k < first.count; ++k) {
            LaneBatch b;
            b.count = n;
            for (int i = 0; i < n; ++i) b.tile[i] = first.tile[k] + i;
            reader.select(static_cast<int>(k));
            draw(b);
        }
    }

    void run(BlockQueue& queue) {
        std::int64_t begin, end, ids[kMaxGroup];
        LaneBatch group[kMaxGroup];
        const std::int64_t ahead = job.groups.ahead(job.s);
        while (queue.pop(&begin, &end))
            for (std::int64_t item = begin; item < end; ++item) {
                if (!job.groups.grouped) {  // one batch per item: no copies of batches
                    const LaneBatch b = lane_batch(job.s, job.strategy, item);
                    reader.gather(b);
                    draw(b);
                    continue;
                }
                const int n = job.groups.batches(item, ids);
                if (job.groups.crossed) {
                    draw_crossed(lane_batch(job.s, job.strategy, ids[0]), n, ahead);
                    continue;
                }
                for (int i = 0; i < n; ++i) group[i] = lane_batch(job.s, job.strategy, ids[i]);
                reader.gather_group(group, n, ahead);
                for (int i = 0; i < n; ++i) {
                    reader.select(i);
                    draw(group[i]);
                }
            }
        stream_fence();  // paint_tiles_along's streamed rows
    }
};

// Padding the cells do not carry: the top rows and (unless bands carry it) the left columns.
void paint_outer_padding(const Mosaic& m, const Output& out, bool banded) {
    for (std::int64_t y = 0; y < m.padding; ++y)
        fill_pixels(out.data + y * out.row_stride, out.width, out.channels, m.pad_value);
    if (!banded)
        for (std::int64_t y = m.padding; y < out.height; ++y)
            fill_pixels(out.data + y * out.row_stride, m.padding, out.channels, m.pad_value);
}

// Cells after the last tile (bands paint their own), split by thread.
template <class T>
void paint_empty_cells(Job& job, int thread, int nthreads) {
    if (job.stopped()) return;
    Painter<T> painter(job.s, job.m, job.out);
    for (std::int64_t t = job.tiles + thread; t < job.m.nrows * job.m.ncols; t += nthreads)
        painter.paint_empty(cell_of(job.m, t));
}

bool use_bands(const TileSource& s, const Mosaic& m, const Output& out, Strategy strategy) {
    const std::int64_t band_bytes = (s.height * m.zoom + m.padding) * out.width * out.channels;
    return strategy == Strategy::per_tile && !m.column_fill && band_bytes <= kBandBytes && streamed_out(out);
}

// A selection read by kLanes units side by side is read in ascending unit order, so
// that neighbouring units share cache lines (a permutation of a "cols" bank then reads
// like the bank itself); each tile is still painted at its display position. So is one
// read tile by tile (unless banded, which paints grid rows in turn): in display order
// every tile of order="norm" began a new stream for the prefetcher (M, its 1024 RGB
// tiles of 2.3 KB from the last-level cache, one thread: 1.22-1.29x the plain render
// read in display order, 1.01-1.10x sorted; two threads stay at about 1.25x, their
// cells scattered over each other's cache lines).
// Display positions in ascending order of their units, equal units in display order:
// a counting sort (linear) where the bank has few units against the selection, as
// order="norm" selecting all of them (M: 2% of its ranked render went to a merge sort).
// The indices were checked to lie in [0, n_outer) (view_checks.cpp).
void rank_by_unit(const TileSource& s, std::vector<std::int64_t>& rank) {
    if (s.n_outer > 4 * s.n_indices) {
        std::stable_sort(rank.begin(), rank.end(),
                         [&](std::int64_t a, std::int64_t b) { return s.indices[a] < s.indices[b]; });
        return;
    }
    std::vector<std::int64_t> next(static_cast<std::size_t>(s.n_outer) + 1, 0);  // per unit: where its first goes
    for (std::int64_t j = 0; j < s.n_indices; ++j) ++next[static_cast<std::size_t>(s.indices[j]) + 1];
    for (std::size_t u = 1; u < next.size(); ++u) next[u] += next[u - 1];
    for (std::int64_t j = 0; j < s.n_indices; ++j) {
        std::int64_t& slot = next[static_cast<std::size_t>(s.indices[j])];
        rank[static_cast<std::size_t>(slot++)] = j;
    }
}

// Fills `sorted` (the selection, ascending) and `rank` (display position of each).
void sort_selection(const TileSource& s, std::vector<std::int64_t>& sorted, std::vector<std::int64_t>& rank) {
    rank.resize(static_cast<std::size_t>(s.n_indices));
    for (std::size_t j = 0; j < rank.size(); ++j) rank[j] = static_cast<std::int64_t>(j);
    rank_by_unit(s, rank);
    sorted.resize(rank.size());
    for (std::size_t j = 0; j < rank.size(); ++j) sorted[j] = s.indices[rank[j]];
}

template <class E, class T>
NonFinite render_typed(const TileSource& shown, const Normalization& norm, const Mosaic& m, const Output& out,
                       int threads) {
    const Strategy strategy = choose_strategy(shown);
    TileSource s = shown;
    std::vector<std::int64_t> sorted, rank;
    const bool sorted_tiles = strategy == Strategy::per_tile && !use_bands(s, m, out, strategy);
    if ((strategy == Strategy::unit_lanes || sorted_tiles) && s.indices) {
        sort_selection(s, sorted, rank);
        s.indices = sorted.data();
    }
    const LaneGroups groups(s, strategy, lane_batch_bytes<T>(s), /*cross=*/true);
    Job job{s,      norm, m, out, active_loops(), strategy, groups, use_bands(s, m, out, strategy), tile_count(s),
            rank.empty() ? nullptr : rank.data(), {}};
    const std::int64_t items = job.banded                        ? m.nrows
                               : strategy == Strategy::per_tile ? job.tiles
                                                                : groups.items;
    const double work = shown_values(s) + static_cast<double>(out.height) * static_cast<double>(out.width * out.channels);
    const int nthreads = threads_for(work, threads, items);
    job.found.resize(static_cast<std::size_t>(nthreads));
    paint_outer_padding(m, out, job.banded);
    BlockQueue queue(items, std::max<std::int64_t>(1, items / (std::int64_t{nthreads} * 16)));
    run_threads(nthreads, [&](int thread) {
        if (strategy != Strategy::per_tile) {
            LaneWorker<E, T>(job, thread).run(queue);
        } else if (job.banded) {
            TileWorker<E, T>(job, thread).run_banded(queue);
            return;
        } else {
            TileWorker<E, T>(job, thread).run(queue);
        }
        paint_empty_cells<T>(job, thread, nthreads);
    });
    return merge(job.found);
}

}  // namespace

NonFinite render(const TileSource& s, const Normalization& norm, const Mosaic& m, const Output& out, int threads) {
    check_threads(threads);
    check_source(s);
    check_output(s, m, out);
    return with_types(s.type, [&]<class E, class T>() { return render_typed<E, T>(s, norm, m, out, threads); });
}

}  // namespace fasttile
