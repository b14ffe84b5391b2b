// Validation of the tile view and the mosaic geometry. Everything the kernel will
// touch is proven to lie inside the caller's buffers before a byte is read.
#include <string>

#include "checked.hpp"
#include "kernel.hpp"

namespace fasttile {

std::int64_t tile_count(const TileSource& s) {
    const std::int64_t units = s.indices ? s.n_indices : s.n_outer;
    return checked_mul(units, s.n_inner, "tile count");
}

void check_source(const TileSource& s) {
    if (s.n_outer < 1 || s.n_inner < 1 || s.channels < 1 || s.height < 1 || s.width < 1)
        throw std::invalid_argument("tile view dimensions must all be at least 1");
    if (!s.channel_mean && s.channels != 1 && s.channels != 3)
        throw std::invalid_argument("tiles must have 1 or 3 channels (got " + std::to_string(s.channels) + ")");
    if (s.indices) {
        if (s.n_indices < 1) throw std::invalid_argument("the tile selection is empty");
        for (std::int64_t k = 0; k < s.n_indices; ++k)
            if (s.indices[k] < 0 || s.indices[k] >= s.n_outer)
                throw std::out_of_range("tile index " + std::to_string(s.indices[k]) + " is outside 0.." +
                                        std::to_string(s.n_outer - 1));
    }
    // Lowest and highest byte offsets any element of the view reaches.
    const std::int64_t sizes[5] = {s.n_outer, s.n_inner, s.channels, s.height, s.width};
    const std::int64_t strides[5] = {s.s_outer, s.s_inner, s.s_channel, s.s_y, s.s_x};
    std::int64_t low = 0, high = 0;
    for (int d = 0; d < 5; ++d) {
        const std::int64_t span = checked_mul(sizes[d] - 1, strides[d], "view extent");
        if (span < 0)
            low = checked_add(low, span, "view extent");
        else
            high = checked_add(high, span, "view extent");
    }
    high = checked_add(high, static_cast<std::int64_t>(elem_size(s.type)), "view extent");
    const std::int64_t begin = s.readable_begin - s.origin;  // <= 0
    const std::int64_t end = s.readable_end - s.origin;
    if (low < begin || high > end)
        throw std::out_of_range("tile view reaches bytes [" + std::to_string(low) + ", " + std::to_string(high) +
                                ") outside the buffer's [" + std::to_string(begin) + ", " + std::to_string(end) + ")");
    tile_count(s);
}

void mosaic_shape(const TileSource& s, const Mosaic& m, std::int64_t* height, std::int64_t* width) {
    if (m.nrows < 1 || m.ncols < 1) throw std::invalid_argument("nrows and ncols must be at least 1");
    if (m.zoom < 1) throw std::invalid_argument("zoom must be at least 1");
    if (m.padding < 0) throw std::invalid_argument("padding must not be negative");
    const std::int64_t cells = checked_mul(m.nrows, m.ncols, "grid size");
    if (cells < tile_count(s))
        throw std::invalid_argument("a grid of " + std::to_string(m.nrows) + " x " + std::to_string(m.ncols) +
                                    " cells cannot hold " + std::to_string(tile_count(s)) + " tiles");
    const std::int64_t cell_h = checked_add(checked_mul(s.height, m.zoom, "tile height"), m.padding, "cell height");
    const std::int64_t cell_w = checked_add(checked_mul(s.width, m.zoom, "tile width"), m.padding, "cell width");
    *height = checked_add(checked_mul(m.nrows, cell_h, "mosaic height"), m.padding, "mosaic height");
    *width = checked_add(checked_mul(m.ncols, cell_w, "mosaic width"), m.padding, "mosaic width");
    checked_mul(*height, *width, "mosaic size");
}

}  // namespace fasttile
