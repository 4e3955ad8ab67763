// src/io/truth.cpp: truth file I/O.
#include "io/truth.hpp"

#include "core/error.hpp"
#include "io/h5.hpp"
#include "io/plain_table.hpp"

namespace portrait::io {

Table make_truth_table() {
  Table t("truth");
  t.add("customer_id", ColumnType::Int64);
  t.add("person_id", ColumnType::Int64);
  t.add("segment", ColumnType::Int8);
  t.add("churn", ColumnType::Int8);
  t.add("complaint_prone", ColumnType::Int8);
  return t;
}

void write_truth(const std::string& path, const Table& truth) {
  h5::silence_errors();
  const h5::Handle file(
      h5::check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                "cannot create the truth file", path, "check that the directory is writable"),
      H5Fclose);
  h5::write_attribute(file.get(), "format", std::string("portrait-truth"));
  write_plain_table(file.get(), truth, path);
}

Table read_truth(const std::string& path) {
  h5::silence_errors();
  const h5::Handle file(h5::check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                                  "cannot open the truth file", path, "run portrait gen to make it"),
                        H5Fclose);
  Table truth = make_truth_table();
  read_plain_table(file.get(), truth, path);
  return truth;
}

}  // namespace portrait::io
