#include "fasttile/reduce2.hpp"

#include <stdexcept>

namespace fasttile {
namespace {

// One output row from source rows `top` and `bottom` (the same row when the image
// has an odd last row). The channel count is a template parameter so that the whole
// pairs loop has a fixed shape the compiler vectorizes.
template <int C>
void reduce_row(const unsigned char* __restrict top, const unsigned char* __restrict bottom, std::int64_t width,
                unsigned char* __restrict out) {
    const std::int64_t pairs = width / 2;
    for (std::int64_t x = 0; x < pairs; ++x) {
        for (int c = 0; c < C; ++c) {
            const unsigned sum = top[2 * C * x + c] + top[2 * C * x + C + c] + bottom[2 * C * x + c] +
                                 bottom[2 * C * x + C + c] + 2u;
            out[C * x + c] = static_cast<unsigned char>(sum >> 2);
        }
    }
    if (width % 2) {  // the last column counts twice
        const std::int64_t last = (width - 1) * C;
        for (int c = 0; c < C; ++c)
            out[pairs * C + c] = static_cast<unsigned char>((2u * top[last + c] + 2u * bottom[last + c] + 2u) >> 2);
    }
}

template <int C>
void reduce_rows(const Pixels& src, unsigned char* dst, std::int64_t dst_stride) {
    const std::int64_t out_rows = (src.height + 1) / 2;
    for (std::int64_t y = 0; y < out_rows; ++y) {
        const unsigned char* top = src.data + 2 * y * src.row_stride;
        const unsigned char* bottom = 2 * y + 1 < src.height ? top + src.row_stride : top;
        reduce_row<C>(top, bottom, src.width, dst + y * dst_stride);
    }
}

}  // namespace

void reduce2(const Pixels& src, unsigned char* dst, std::int64_t dst_stride) {
    if (src.height < 1 || src.width < 1 || (src.channels != 1 && src.channels != 3))
        throw std::invalid_argument("reduce2 needs a non-empty image with 1 or 3 channels");
    if (src.channels == 1)
        reduce_rows<1>(src, dst, dst_stride);
    else
        reduce_rows<3>(src, dst, dst_stride);
}

}  // namespace fasttile
