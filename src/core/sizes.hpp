// src/core/sizes.hpp: sizes in messages. A size shown only in whole MiB can
// read as equal to the limit it exceeds ("3 MiB, over the budget of 3 MiB"),
// so messages that compare sizes give the exact bytes first.
#pragma once

#include <cstdint>
#include <string>

namespace portrait {

// "3,565,158 bytes (3.4 MiB)"; below 1 KiB just "999 bytes".
std::string human_bytes(std::uint64_t bytes);

}  // namespace portrait
