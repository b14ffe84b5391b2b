// Counting non-finite values and remembering the first tiles that hold them, per
// thread, then merged: the report does not depend on the order tiles are read in.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernel.hpp"

namespace fasttile {

// Keeps the kReportedBadTiles smallest tile numbers seen, whatever order they come in.
inline void record_nonfinite(NonFinite& nf, std::int64_t tile, std::int64_t count) {
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

inline NonFinite merge(std::vector<NonFinite>& parts) {
    NonFinite all;
    for (auto& p : parts) {
        all.count += p.count;
        all.tiles.insert(all.tiles.end(), p.tiles.begin(), p.tiles.end());
    }
    std::sort(all.tiles.begin(), all.tiles.end());
    if (all.tiles.size() > kReportedBadTiles) all.tiles.resize(kReportedBadTiles);
    return all;
}

}  // namespace fasttile
