// The one grid-cell mapping (docs/design.md, section 3): display tile t sits in cell
// (t / ncols, t % ncols), or (t % nrows, t / nrows) when filling column by column.
// The hot loops step it without divisions.
#pragma once

#include <cstdint>

#include "kernel.hpp"

namespace fasttile {

// No default values: an array of cells filled per batch is not zeroed first.
struct Cell {
    std::int64_t row, col;
};

inline Cell cell_of(const Mosaic& m, std::int64_t t) {
    return m.column_fill ? Cell{t % m.nrows, t / m.nrows} : Cell{t / m.ncols, t % m.ncols};
}

// Cell of tile t + k*step from that of tile t: the fill direction's length splits
// `step` once into whole lines and a remainder.
class CellStep {
public:
    CellStep(const Mosaic& m, std::int64_t step)
        : line_(m.column_fill ? m.nrows : m.ncols), whole_(step / line_), rest_(step % line_),
          column_fill_(m.column_fill) {}

    // By value, and without references chosen at run time, so a cell stepped in a
    // loop stays in registers; always inlined, since a call returns the cell through
    // the stack and every step then waits on store forwarding (GCC stopped inlining it
    // into the lane painter's locate once the quantizer grew: T render 0.55 -> 0.83 ms).
    __attribute__((always_inline)) Cell next(Cell c) const {
        if (column_fill_) {
            c.row += rest_;
            c.col += whole_;
            if (c.row >= line_) c.row -= line_, ++c.col;
        } else {
            c.col += rest_;
            c.row += whole_;
            if (c.col >= line_) c.col -= line_, ++c.row;
        }
        return c;
    }
    void advance(Cell* c) const { *c = next(*c); }

    // Whether n cells stepped from c sit side by side in one grid row.
    bool side_by_side(Cell c, std::int64_t n) const {
        return !column_fill_ && whole_ == 0 && rest_ == 1 && c.col + n <= line_;
    }

private:
    std::int64_t line_, whole_, rest_;  // line: cells per fill line
    bool column_fill_;
};

// Display tile t as (shown unit, inner index) and its cell, stepped one tile at a time.
struct TileCursor {
    const TileSource& s;
    const Mosaic& m;
    std::int64_t unit_pos = 0, inner = 0;
    Cell cell{};

    TileCursor(const TileSource& source, const Mosaic& mosaic) : s(source), m(mosaic) {}

    void seek(std::int64_t t) {
        unit_pos = t / s.n_inner;
        inner = t % s.n_inner;
        cell = cell_of(m, t);
    }
    void next() {
        if (++inner == s.n_inner) {
            inner = 0;
            ++unit_pos;
        }
        if (m.column_fill) {
            if (++cell.row == m.nrows) {
                cell.row = 0;
                ++cell.col;
            }
        } else if (++cell.col == m.ncols) {
            cell.col = 0;
            ++cell.row;
        }
    }
};

}  // namespace fasttile
