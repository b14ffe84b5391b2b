// Placing a lane batch a picture row at a time (docs/design.md, section 5). The
// quantizer leaves a batch position-major: level position p of lane k at
// levels[p * kLanes + k]. A picture row of the batch is, per lane, the `run` levels of
// one tile row followed by the cell's padding, `unit` bytes in all. Gathering those
// bytes one at a time (stride kLanes) costs more than everything else for tiny
// tiles, so a batch's rows are laid out together: with a 16-byte table lookup per
// level position and output chunk (pshufb on x86, tbl on arm64), kLanes * unit bytes
// per tile row, which the painter then stores whole (cells side by side) or unit by
// unit (cells elsewhere).
#pragma once

#include <cstdint>
#include <vector>

namespace fasttile {

struct LaneRows {
    // Tables grow as run * unit * 16 bytes, and a lookup per position stops paying
    // for itself beyond rows of about nine levels (3x3 RGB).
    static constexpr int kMaxRun = 9;
    static constexpr int kMaxUnit = 24;

    int run = 0;   // levels per tile row (0: not placeable this way)
    int unit = 0;  // bytes per tile row in the picture, padding included
    // lanes[(c * run + i) * 16 + j]: the lane whose level at row position i goes to
    // byte j of the row's 16-byte chunk c, or 0x80 (a lookup gives 0) where none does.
    std::vector<unsigned char> lanes;
    // pad[c * 16 + j]: the padding byte at that place of the row, 0 elsewhere (zeros
    // past the row up to a multiple of 64 bytes).
    std::vector<unsigned char> pad;
    // The same lookups for four chunks at once (64-byte lookups in 16-byte lanes,
    // AVX-512): wide[(g * run + i) * 64 + 16 * m + j] = lanes[((4 * g + m) * run + i) * 16 + j].
    std::vector<unsigned char> wide;

    LaneRows() = default;
    // pad_bytes of padding after each tile row, repeating `pad_pattern` (one byte for
    // gray, three for RGB).
    LaneRows(int run_bytes, int pad_bytes, const unsigned char* pad_pattern, int pattern_length) {
        if (run_bytes < 1 || run_bytes > kMaxRun || run_bytes + pad_bytes > kMaxUnit) return;
        run = run_bytes;
        unit = run_bytes + pad_bytes;
        lanes.assign(static_cast<std::size_t>(unit * run * 16), 0x80);
        pad.assign(static_cast<std::size_t>(wide_chunks() * 64), 0);
        for (int byte = 0; byte < 16 * unit; ++byte) {
            const int lane = byte / unit, at = byte % unit, chunk = byte / 16, j = byte % 16;
            if (at < run)
                lanes[static_cast<std::size_t>((chunk * run + at) * 16 + j)] = static_cast<unsigned char>(lane);
            else
                pad[static_cast<std::size_t>(byte)] = pad_pattern[(at - run) % pattern_length];
        }
        wide.assign(static_cast<std::size_t>(wide_chunks() * run * 64), 0x80);
        for (int c = 0; c < unit; ++c)
            for (int i = 0; i < run; ++i)
                for (int j = 0; j < 16; ++j)
                    wide[static_cast<std::size_t>(((c / 4) * run + i) * 64 + 16 * (c % 4) + j)] =
                        lanes[static_cast<std::size_t>((c * run + i) * 16 + j)];
    }

    bool usable() const { return run > 0; }
    int wide_chunks() const { return (unit + 3) / 4; }  // 64-byte chunks of a row
    std::int64_t row_bytes() const { return std::int64_t{16} * unit; }
};

}  // namespace fasttile
