// src/io/reference.cpp: reference file I/O. Layout: /cells, /stores,
// /domains as column groups like a shard's tables, and
// /dictionaries/<name>/{code int32, label UTF-8 string}.
#include "io/reference.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "core/spelling.hpp"
#include "io/h5.hpp"
#include "io/plain_table.hpp"
#include "io/shard_format.hpp"

namespace portrait::io {
namespace {

constexpr std::int64_t kReferenceFormatVersion = 1;
const std::string kReferenceFormat = "portrait-reference";

h5::Handle utf8_string_type() {
  h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

h5::Handle create_group(hid_t parent, const std::string& name, const std::string& where) {
  return {h5::check(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                    "cannot create group '" + name + "'", where),
          H5Gclose};
}

void write_dataset(hid_t group, const std::string& name, hid_t type, hsize_t n, const void* data,
                   const std::string& where) {
  const h5::Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  const h5::Handle dataset(
      h5::check(H5Dcreate2(group, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                "cannot create dataset '" + name + "'", where),
      H5Dclose);
  if (n > 0)
    h5::check(H5Dwrite(dataset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "cannot write", where);
}

hsize_t length_of(hid_t dataset) {
  const h5::Handle space(H5Dget_space(dataset), H5Sclose);
  hsize_t n = 0;
  if (H5Sget_simple_extent_ndims(space.get()) == 1) H5Sget_simple_extent_dims(space.get(), &n, nullptr);
  return n;
}

void write_dictionary(hid_t parent, const Dictionary& d, const std::string& path) {
  const std::string where = path + ": dictionary '" + d.name + "'";
  const h5::Handle group = create_group(parent, d.name, where);
  std::vector<std::int32_t> codes;
  std::vector<const char*> labels;
  for (const auto& [code, label] : d.entries) {
    codes.push_back(code);
    labels.push_back(label.c_str());
  }
  write_dataset(group.get(), "code", H5T_NATIVE_INT32, codes.size(), codes.data(), where);
  const h5::Handle type = utf8_string_type();
  write_dataset(group.get(), "label", type.get(), labels.size(), labels.data(), where);
}

Dictionary read_dictionary(hid_t parent, const std::string& name, const std::string& path) {
  const std::string where = path + ": dictionary '" + name + "'";
  const h5::Handle group = h5::open_group(parent, name, where);
  const h5::Handle codes_set = h5::open_dataset(group.get(), "code", where);
  const h5::Handle labels_set = h5::open_dataset(group.get(), "label", where);
  const hsize_t n = length_of(codes_set.get());
  if (length_of(labels_set.get()) != n) throw Error("code and label differ in length", where);
  std::vector<std::int32_t> codes(n);
  std::vector<char*> labels(n, nullptr);
  if (n > 0) {
    h5::check(H5Dread(codes_set.get(), H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, codes.data()),
              "cannot read codes", where);
    const h5::Handle type = utf8_string_type();
    h5::check(H5Dread(labels_set.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, labels.data()),
              "cannot read labels", where);
    const h5::Handle space(H5Dget_space(labels_set.get()), H5Sclose);
    Dictionary d{name, {}};
    for (hsize_t i = 0; i < n; ++i) d.entries.emplace_back(codes[i], labels[i] != nullptr ? labels[i] : "");
    H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, labels.data());
    return d;
  }
  return {name, {}};
}

// Coordinates decide which store is nearest to a cell: a NaN or infinite
// one (or one off the globe) would silently move customers' home stores.
void check_coordinates(const Table& table, const std::string& key, const std::string& path) {
  const auto& id = table.values<std::int32_t>(key);
  for (const char* name : {"lat", "lon"}) {
    const double limit = name[1] == 'a' ? 90.0 : 180.0;
    const auto& v = table.values<double>(name);
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (std::isfinite(v[i]) && std::abs(v[i]) <= limit) continue;
      throw Error(fmt::format("{} of {} {} is {}, not a coordinate in [-{}, {}]", name, key, id[i], v[i],
                              limit, limit),
                  fmt::format("{}: table '{}', row {}", path, table.name(), i),
                  "fix the reference file: every cell and store needs a finite latitude and longitude");
    }
  }
}

herr_t collect_link(hid_t /*group*/, const char* name, const H5L_info_t* /*info*/, void* names) {
  static_cast<std::vector<std::string>*>(names)->emplace_back(name);
  return 0;
}

}  // namespace

Reference Reference::empty() {
  Reference r;
  for (Table* t : {&r.cells, &r.stores}) {
    t->add(t == &r.cells ? "cell_id" : "store_id", ColumnType::Int32);
    t->add("lat", ColumnType::Float64);
    t->add("lon", ColumnType::Float64);
  }
  r.domains.add("domain_id", ColumnType::Int32);
  r.domains.add("category1", ColumnType::Int32);
  r.domains.add("category2", ColumnType::Int32);
  return r;
}

const Dictionary& Reference::dictionary(const std::string& name) const {
  std::vector<std::string> names;
  for (const auto& d : dictionaries) {
    if (d.name == name) return d;
    names.push_back(d.name);
  }
  throw Error("no dictionary '" + name + "' in the reference file", {}, name_hint(name, names));
}

void write_reference(const std::string& path, const Reference& reference) {
  h5::silence_errors();
  const h5::Handle file(
      h5::check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                "cannot create the reference file", path, "check that the directory exists and is writable"),
      H5Fclose);
  h5::write_attribute(file.get(), kAttrFormat, kReferenceFormat);
  h5::write_attribute(file.get(), kAttrFormatVersion, kReferenceFormatVersion);
  for (const Table* t : {&reference.cells, &reference.stores, &reference.domains})
    write_plain_table(file.get(), *t, path);
  const h5::Handle dictionaries = create_group(file.get(), "dictionaries", path);
  for (const auto& d : reference.dictionaries) write_dictionary(dictionaries.get(), d, path);
}

Reference read_reference(const std::string& path) {
  h5::silence_errors();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error("no such reference file", path);
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw Error("not an HDF5 file", path, "expected a portrait reference file");
  const h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw Error("cannot open: the file is truncated or damaged", path, "copy it again");
  if (!h5::has_attribute(file.get(), kAttrFormat) ||
      h5::read_string_attribute(file.get(), kAttrFormat, path) != kReferenceFormat) {
    throw Error("not a portrait reference file", path,
                "the reference file is written by portrait gen or import");
  }
  const std::int64_t version = h5::read_int_attribute(file.get(), kAttrFormatVersion, path);
  if (version != kReferenceFormatVersion) {
    throw Error("reference format version " + std::to_string(version) + ", this portrait reads version " +
                    std::to_string(kReferenceFormatVersion),
                path);
  }
  Reference reference = Reference::empty();
  for (Table* t : {&reference.cells, &reference.stores, &reference.domains})
    read_plain_table(file.get(), *t, path);
  check_coordinates(reference.cells, "cell_id", path);
  check_coordinates(reference.stores, "store_id", path);
  const h5::Handle dictionaries = h5::open_group(file.get(), "dictionaries", path);
  std::vector<std::string> names;
  hsize_t index = 0;
  h5::check(H5Literate(dictionaries.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_link, &names),
            "cannot list dictionaries", path);
  for (const auto& name : names)
    reference.dictionaries.push_back(read_dictionary(dictionaries.get(), name, path));
  return reference;
}

}  // namespace portrait::io
