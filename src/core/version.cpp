// src/core/version.cpp: versions of portrait and its libraries, read from the
// libraries themselves at run time where they can tell (MPI, HDF5).
#include "core/version.hpp"

#include <hdf5.h>
#include <mpi.h>

#include <fmt/format.h>
#include <boost/version.hpp>
#include <nlohmann/json.hpp>

namespace portrait {

std::vector<std::pair<std::string, std::string>> build_versions() {
  std::vector<std::pair<std::string, std::string>> v;
  v.emplace_back("portrait", PORTRAIT_VERSION);
  v.emplace_back("commit", git_commit());
#if defined(__clang__)
  v.emplace_back("compiler", fmt::format("clang {}", __clang_version__));
#elif defined(__GNUC__)
  v.emplace_back("compiler", fmt::format("gcc {}", __VERSION__));
#endif
  char mpi[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(mpi, &len);
  std::string mpi_text(mpi, static_cast<size_t>(len));
  if (auto nl = mpi_text.find_first_of("\r\n,"); nl != std::string::npos) mpi_text.resize(nl);
  int mpi_major = 0, mpi_minor = 0;
  MPI_Get_version(&mpi_major, &mpi_minor);
  v.emplace_back("mpi", fmt::format("{} (MPI {}.{})", mpi_text, mpi_major, mpi_minor));
  unsigned h5_major = 0, h5_minor = 0, h5_release = 0;
  H5get_libversion(&h5_major, &h5_minor, &h5_release);
#ifdef H5_HAVE_PARALLEL
  const char* h5_flavour = " (parallel)";
#else
  const char* h5_flavour = " (serial)";
#endif
  v.emplace_back("hdf5", fmt::format("{}.{}.{}{}", h5_major, h5_minor, h5_release, h5_flavour));
  v.emplace_back("boost", fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000,
                                      BOOST_VERSION % 100));
  v.emplace_back("nlohmann_json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR,
                                              NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH));
  v.emplace_back("fmt",
                 fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100));
  return v;
}

}  // namespace portrait
