#pragma once

namespace fasttile {

// Tiles processed side by side in the across-tile path: 16 float32 fill one cache line.
constexpr int kLanes = 16;

}  // namespace fasttile
