// One pyramid level coarser: the 2x2 area average of a uint8 image, rounded half up,
// (a + b + c + d + 2) / 4. An odd last row or column counts twice, so its pairs
// average as (a + b + 1) / 2 and the corner stays as it is. The rule of every
// pyramid fasttile writes (Deep Zoom tiles, OME-Zarr levels); see docs/design.md.
#pragma once

#include <cstdint>

namespace fasttile {

struct Pixels {
    const unsigned char* data;
    std::int64_t height, width, channels;  // channels interleaved (1 or 3)
    std::int64_t row_stride;               // bytes between rows
};

// dst has ceil(height / 2) rows of ceil(width / 2) pixels, dst_stride bytes apart.
void reduce2(const Pixels& src, unsigned char* dst, std::int64_t dst_stride);

}  // namespace fasttile
