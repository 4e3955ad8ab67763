// tests/unit/test_version.cpp: the versions portrait reports (read without
// MPI_Init: MPI_Get_library_version may be called before it).
#include <gtest/gtest.h>

#include <map>

#include "core/version.hpp"

namespace portrait {
namespace {

TEST(Version, ReportsEveryComponent) {
  std::map<std::string, std::string> v;
  for (const auto& [k, val] : build_versions()) v[k] = val;
  for (const char* k : {"portrait", "commit", "compiler", "mpi", "hdf5", "boost"}) {
    ASSERT_TRUE(v.count(k)) << k;
    EXPECT_FALSE(v[k].empty()) << k;
  }
  EXPECT_NE(v["hdf5"].find("parallel"), std::string::npos) << v["hdf5"];
  EXPECT_NE(v["mpi"].find("Open MPI"), std::string::npos) << v["mpi"];
}

}  // namespace
}  // namespace portrait
