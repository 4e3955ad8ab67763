// src/core/version.hpp: what `portrait version` and the run manifest report
// about this build and the libraries it runs on.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace portrait {

const char* git_commit();  // defined in the build-time generated file

// Ordered (component, version) pairs: portrait, commit, compiler, MPI, HDF5,
// Boost, yaml-cpp/CLI/JSON versions known at compile time.
std::vector<std::pair<std::string, std::string>> build_versions();

}  // namespace portrait
