#include "fasttile/reduce2.hpp"

#include <stdexcept>

namespace fasttile {
namespace {

// One output row from source rows `top` and `bottom` (the same row when the image
// has an odd last row). Whole pairs first, in a loop the compiler vectorizes.
void reduce_row(const unsigned char* top, const unsigned char* bottom, std::int64_t width, std::int64_t channels,
                unsigned char* out) {
    const std::int64_t pairs = width / 2;
    for (std::int64_t x = 0; x < pairs; ++x) {
        const unsigned char* a = top + 2 * x * channels;
        const unsigned char* b = bottom + 2 * x * channels;
        for (std::int64_t c = 0; c < channels; ++c) {
            const unsigned sum = a[c] + a[c + channels] + b[c] + b[c + channels] + 2u;
            out[x * channels + c] = static_cast<unsigned char>(sum >> 2);
        }
    }
    if (width % 2) {  // the last column counts twice
        const unsigned char* a = top + (width - 1) * channels;
        const unsigned char* b = bottom + (width - 1) * channels;
        for (std::int64_t c = 0; c < channels; ++c)
            out[pairs * channels + c] = static_cast<unsigned char>((2u * a[c] + 2u * b[c] + 2u) >> 2);
    }
}

}  // namespace

void reduce2(const Pixels& src, unsigned char* dst, std::int64_t dst_stride) {
    if (src.height < 1 || src.width < 1 || (src.channels != 1 && src.channels != 3))
        throw std::invalid_argument("reduce2 needs a non-empty image with 1 or 3 channels");
    const std::int64_t out_rows = (src.height + 1) / 2;
    for (std::int64_t y = 0; y < out_rows; ++y) {
        const unsigned char* top = src.data + 2 * y * src.row_stride;
        const unsigned char* bottom = 2 * y + 1 < src.height ? top + src.row_stride : top;
        reduce_row(top, bottom, src.width, src.channels, dst + y * dst_stride);
    }
}

}  // namespace fasttile
