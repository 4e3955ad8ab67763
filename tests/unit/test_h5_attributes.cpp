// tests/unit/test_h5_attributes.cpp: string attributes written by other
// tools (variable-length, ASCII or UTF-8, as h5py writes them) are read.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <filesystem>

#include "io/h5.hpp"

namespace portrait::io {
namespace {

void write_variable_string(hid_t object, const char* name, const char* value, H5T_cset_t cset) {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, cset);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, type, &value);
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

TEST(H5Attributes, VariableLengthStringsInEitherCharacterSet) {
  const auto path = (std::filesystem::temp_directory_path() / "portrait_h5_attributes.h5").string();
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  write_variable_string(file, "format", "portrait-reference", H5T_CSET_UTF8);
  write_variable_string(file, "label", "黄金客户", H5T_CSET_UTF8);
  write_variable_string(file, "producer", "billing system", H5T_CSET_ASCII);
  EXPECT_EQ(h5::read_string_attribute(file, "format", path), "portrait-reference");
  EXPECT_EQ(h5::read_string_attribute(file, "label", path), "黄金客户");
  EXPECT_EQ(h5::read_string_attribute(file, "producer", path), "billing system");
  H5Fclose(file);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace portrait::io
