// fasttile._core: the thin pybind11 layer. It turns NumPy buffers into the kernel's
// plain structs, releases the GIL around the kernel, and lets pybind11 translate
// C++ exceptions (invalid_argument -> ValueError, out_of_range -> IndexError,
// overflow_error -> OverflowError). Layout logic lives in Python, not here.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "fasttile/bandwidth.hpp"
#include "fasttile/hot_loops.hpp"
#include "fasttile/kernel.hpp"
#include "fasttile/reduce2.hpp"

namespace py = pybind11;
using fasttile::ElemType;

namespace {

using Dims5 = std::array<std::int64_t, 5>;

// Byte range [first, last) an array's own elements occupy, relative to its data pointer.
std::pair<std::int64_t, std::int64_t> byte_extent(const py::array& a) {
    std::int64_t low = 0, high = 0;
    for (py::ssize_t d = 0; d < a.ndim(); ++d) {
        if (a.shape(d) == 0) throw py::value_error("the weights array is empty");
        const std::int64_t span = static_cast<std::int64_t>(a.shape(d) - 1) * a.strides(d);
        (span < 0 ? low : high) += span;
    }
    return {low, high + a.itemsize()};
}

fasttile::TileSource make_source(const py::array& data, const std::string& dtype, std::int64_t offset,
                                 const Dims5& shape, const Dims5& strides,
                                 const std::optional<py::array_t<std::int64_t, py::array::c_style>>& indices,
                                 bool channel_mean) {
    const ElemType type = fasttile::elem_type_from_name(dtype);
    if (static_cast<std::size_t>(data.itemsize()) != fasttile::elem_size(type))
        throw py::value_error("the array's item size does not match dtype '" + dtype + "'");
    const auto extent = byte_extent(data);
    const auto* base = static_cast<const unsigned char*>(data.data());
    if (offset < extent.first || offset >= extent.second) throw py::index_error("view origin is outside the array");
    fasttile::TileSource s{};
    s.origin = base + offset;
    s.type = type;
    s.readable_begin = base + extent.first;
    s.readable_end = base + extent.second;
    s.n_outer = shape[0];
    s.n_inner = shape[1];
    s.channels = shape[2];
    s.height = shape[3];
    s.width = shape[4];
    s.s_outer = strides[0];
    s.s_inner = strides[1];
    s.s_channel = strides[2];
    s.s_y = strides[3];
    s.s_x = strides[4];
    if (indices) {
        if (indices->ndim() != 1) throw py::value_error("indices must be one-dimensional");
        s.indices = indices->data();
        s.n_indices = indices->shape(0);
    }
    s.channel_mean = channel_mean;
    return s;
}

fasttile::NormMode norm_mode(const std::string& name) {
    if (name == "tile") return fasttile::NormMode::tile_range;
    if (name == "symmetric") return fasttile::NormMode::tile_symmetric;
    if (name == "range") return fasttile::NormMode::fixed_range;
    if (name == "fixed-symmetric") return fasttile::NormMode::fixed_symmetric;
    throw py::value_error("unknown normalization mode '" + name + "'");
}

// "scanned-range" and "scanned-symmetric": the fixed maps of a global range whose scan
// found every value finite (Normalization::scanned).
fasttile::Normalization normalization(const std::string& name, double lo, double hi) {
    if (name == "scanned-range") return {fasttile::NormMode::fixed_range, lo, hi, true};
    if (name == "scanned-symmetric") return {fasttile::NormMode::fixed_symmetric, lo, hi, true};
    return {norm_mode(name), lo, hi};
}

py::tuple nonfinite_result(const fasttile::NonFinite& nf) {
    return py::make_tuple(nf.count, py::cast(nf.tiles));
}

py::tuple render(const py::array& data, const std::string& dtype, std::int64_t offset, const Dims5& shape,
                 const Dims5& strides, const std::optional<py::array_t<std::int64_t, py::array::c_style>>& indices,
                 bool channel_mean, const std::string& mode, double lo, double hi, std::int64_t nrows,
                 std::int64_t ncols, bool column_fill, std::int64_t padding, std::int64_t zoom,
                 const std::array<unsigned char, 3>& pad_value,
                 const std::optional<py::array_t<unsigned char, py::array::c_style>>& lut, bool mark_nonfinite,
                 const std::array<unsigned char, 3>& marker, py::array& out, int threads) {
    const fasttile::TileSource src = make_source(data, dtype, offset, shape, strides, indices, channel_mean);
    const fasttile::Normalization norm = normalization(mode, lo, hi);
    fasttile::Mosaic m{};
    m.nrows = nrows;
    m.ncols = ncols;
    m.column_fill = column_fill;
    m.padding = padding;
    m.zoom = zoom;
    std::copy(pad_value.begin(), pad_value.end(), m.pad_value);
    if (lut) {
        if (lut->size() != 256 * 3) throw py::value_error("the lookup table must hold 256 RGB triples");
        m.lut = lut->data();
    }
    m.mark_nonfinite = mark_nonfinite;
    std::copy(marker.begin(), marker.end(), m.marker);

    if (!out.dtype().is(py::dtype::of<unsigned char>())) throw py::type_error("out must be a uint8 array");
    if (!out.writeable()) throw py::value_error("out is read-only");
    if (out.ndim() != 2 && !(out.ndim() == 3 && out.shape(2) == 3))
        throw py::value_error("out must have shape (H, W) or (H, W, 3)");
    const std::int64_t channels = out.ndim() == 3 ? 3 : 1;
    if (out.strides(1) != channels || (channels == 3 && out.strides(2) != 1) || out.strides(0) <= 0)
        throw py::value_error("out must have contiguous pixels within each row");
    fasttile::Output o{static_cast<unsigned char*>(out.mutable_data()), out.shape(0), out.shape(1), channels,
                       out.strides(0)};
    fasttile::NonFinite nf;
    {
        py::gil_scoped_release release;
        nf = fasttile::render(src, norm, m, o, threads);
    }
    return nonfinite_result(nf);
}

py::tuple scan_range(const py::array& data, const std::string& dtype, std::int64_t offset, const Dims5& shape,
                     const Dims5& strides, const std::optional<py::array_t<std::int64_t, py::array::c_style>>& indices,
                     bool channel_mean, int threads) {
    const fasttile::TileSource src = make_source(data, dtype, offset, shape, strides, indices, channel_mean);
    fasttile::Range r;
    {
        py::gil_scoped_release release;
        r = fasttile::scan_range(src, threads);
    }
    return py::make_tuple(r.lo, r.hi, nonfinite_result(r.nonfinite));
}

py::array_t<double> unit_sq_norms(const py::array& data, const std::string& dtype, std::int64_t offset,
                                  const Dims5& shape, const Dims5& strides,
                                  const std::optional<py::array_t<std::int64_t, py::array::c_style>>& indices,
                                  int threads) {
    // Norms read every channel, so any channel count is fine (the flag only lifts the
    // 1-or-3 rule that drawing needs; unit_sq_norms never averages).
    const fasttile::TileSource src = make_source(data, dtype, offset, shape, strides, indices, true);
    std::vector<double> norms;
    {
        py::gil_scoped_release release;
        norms = fasttile::unit_sq_norms(src, threads);
    }
    py::array_t<double> result(static_cast<py::ssize_t>(norms.size()));
    std::copy(norms.begin(), norms.end(), result.mutable_data());
    return result;
}

py::array_t<double> unit_stats(const py::array& data, const std::string& dtype, std::int64_t offset,
                               const Dims5& shape, const Dims5& strides,
                               const std::optional<py::array_t<std::int64_t, py::array::c_style>>& indices,
                               int threads) {
    // Like the norms, statistics read every channel (the flag only lifts the 1-or-3 rule).
    const fasttile::TileSource src = make_source(data, dtype, offset, shape, strides, indices, true);
    std::vector<double> stats;
    {
        py::gil_scoped_release release;
        stats = fasttile::unit_stats(src, threads);
    }
    const py::ssize_t columns = fasttile::kUnitStats;
    py::array_t<double> result({static_cast<py::ssize_t>(stats.size()) / columns, columns});
    std::copy(stats.begin(), stats.end(), result.mutable_data());
    return result;
}

// One pyramid level coarser (fasttile/reduce2.hpp): a (h, w) or (h, w, 3) uint8
// image whose pixels are contiguous within each row.
py::array_t<unsigned char> reduce2(const py::array_t<unsigned char>& image) {
    if (image.ndim() != 2 && !(image.ndim() == 3 && image.shape(2) == 3))
        throw py::value_error("reduce2 needs a uint8 (H, W) or (H, W, 3) image");
    const std::int64_t channels = image.ndim() == 3 ? 3 : 1;
    if (image.strides(1) != channels || (channels == 3 && image.strides(2) != 1) || image.strides(0) <= 0)
        throw py::value_error("reduce2 needs pixels contiguous within each row");
    const fasttile::Pixels src{image.data(), image.shape(0), image.shape(1), channels, image.strides(0)};
    std::vector<py::ssize_t> shape{(image.shape(0) + 1) / 2, (image.shape(1) + 1) / 2};
    if (channels == 3) shape.push_back(3);
    py::array_t<unsigned char> out(shape);
    unsigned char* dst = out.mutable_data();
    const std::int64_t dst_stride = shape[1] * channels;
    {
        py::gil_scoped_release release;
        fasttile::reduce2(src, dst, dst_stride);
    }
    return out;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "fasttile's compiled kernel (internal; use fasttile.render)";
    m.def("render", &render, py::arg("data"), py::arg("dtype"), py::arg("offset"), py::arg("shape"),
          py::arg("strides"), py::arg("indices"), py::arg("channel_mean"), py::arg("mode"), py::arg("lo"),
          py::arg("hi"), py::arg("nrows"), py::arg("ncols"), py::arg("column_fill"), py::arg("padding"),
          py::arg("zoom"), py::arg("pad_value"), py::arg("lut"), py::arg("mark_nonfinite"), py::arg("marker"),
          py::arg("out"), py::arg("threads"),
          "Render the strided tile view into `out`; returns (nonfinite_count, first_bad_tiles).");
    m.def("scan_range", &scan_range, py::arg("data"), py::arg("dtype"), py::arg("offset"), py::arg("shape"),
          py::arg("strides"), py::arg("indices"), py::arg("channel_mean"), py::arg("threads"),
          "Range over the finite values of every shown tile: (lo, hi, (nonfinite_count, first_bad_tiles)).");
    m.def("unit_sq_norms", &unit_sq_norms, py::arg("data"), py::arg("dtype"), py::arg("offset"), py::arg("shape"),
          py::arg("strides"), py::arg("indices"), py::arg("threads"),
          "Squared L2 norm of each shown outer unit, in double: per tile in slot order (its (y, x, channel) "
          "values dealt into 64 slots, the slots added in order), then the tiles in inner order.");
    m.def("unit_stats", &unit_stats, py::arg("data"), py::arg("dtype"), py::arg("offset"), py::arg("shape"),
          py::arg("strides"), py::arg("indices"), py::arg("threads"),
          "Per shown outer unit, over its finite values, in double: (units, 6) columns sum_sq, mean, variance "
          "(population), min, max, nonfinite_count.");
    m.def(
        "time_stream_read",
        [](const py::array& a, int threads) {
            if (!(a.flags() & py::array::c_style)) throw py::value_error("needs a C-contiguous array");
            py::gil_scoped_release release;
            return fasttile::time_stream_read(a.data(), a.nbytes(), threads);
        },
        py::arg("array"), py::arg("threads"), "Seconds to stream-read the array's bytes once (benchmarks).");
    m.def(
        "time_stream_write",
        [](py::array& a, int threads) {
            if (!(a.flags() & py::array::c_style)) throw py::value_error("needs a C-contiguous array");
            void* data = a.mutable_data();
            const std::int64_t bytes = a.nbytes();
            py::gil_scoped_release release;
            return fasttile::time_stream_write(data, bytes, threads);
        },
        py::arg("array"), py::arg("threads"), "Seconds to stream-write the array's bytes once (benchmarks).");
    m.def("reduce2", &reduce2, py::arg("image"),
          "One pyramid level coarser: 2x2 means rounded half up, an odd last row or column counted twice.");
    m.def("simd_paths", &fasttile::supported_paths, "SIMD paths this CPU can run, widest first.");
    m.def("simd_path", [] { return std::string(fasttile::active_loops().name); }, "The SIMD path in use.");
    m.def("select_simd", &fasttile::select_path, py::arg("name"),
          "Use the named SIMD path ('auto' for the widest supported) for later calls in this process.");
}
