// src/io/h5.cpp: HDF5 handles, type mapping and attributes.
#include "io/h5.hpp"

#include <vector>

#include "core/error.hpp"

namespace portrait::io::h5 {

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = other.id_;
    closer_ = other.closer_;
    other.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Handle::reset() {
  if (id_ >= 0 && closer_ != nullptr) closer_(id_);
  id_ = H5I_INVALID_HID;
}

void silence_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

hid_t check(hid_t id, const std::string& what, const std::string& where, const std::string& hint) {
  if (id < 0) throw Error(what, where, hint);
  return id;
}

Handle open_group(hid_t parent, const std::string& name, const std::string& where) {
  return {check(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), "cannot open group '" + name + "'", where),
          H5Gclose};
}

Handle open_dataset(hid_t parent, const std::string& name, const std::string& where) {
  return {check(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), "cannot open dataset '" + name + "'", where),
          H5Dclose};
}

hid_t native_type(ColumnType type) {
  switch (type) {
    case ColumnType::Int8:
      return H5T_NATIVE_INT8;
    case ColumnType::Int32:
      return H5T_NATIVE_INT32;
    case ColumnType::Int64:
      return H5T_NATIVE_INT64;
    case ColumnType::UInt64:
      return H5T_NATIVE_UINT64;
    case ColumnType::Float64:
      return H5T_NATIVE_DOUBLE;
  }
  return H5I_INVALID_HID;
}

std::optional<ColumnType> column_type_of_dataset(hid_t dataset) {
  const Handle type(H5Dget_type(dataset), H5Tclose);
  if (!type.valid()) return std::nullopt;
  const H5T_class_t cls = H5Tget_class(type.get());
  const std::size_t size = H5Tget_size(type.get());
  if (cls == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(type.get()) == H5T_SGN_2;
    if (is_signed && size == 1) return ColumnType::Int8;
    if (is_signed && size == 4) return ColumnType::Int32;
    if (is_signed && size == 8) return ColumnType::Int64;
    if (!is_signed && size == 8) return ColumnType::UInt64;
  } else if (cls == H5T_FLOAT && size == 8) {
    return ColumnType::Float64;
  }
  return std::nullopt;
}

std::string describe_type(hid_t dataset) {
  if (const auto t = column_type_of_dataset(dataset)) return std::string(to_string(*t));
  const Handle type(H5Dget_type(dataset), H5Tclose);
  if (!type.valid()) return "unreadable type";
  const std::string bits = std::to_string(8 * H5Tget_size(type.get()));
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER:
      return (H5Tget_sign(type.get()) == H5T_SGN_2 ? "int" : "uint") + bits;
    case H5T_FLOAT:
      return "float" + bits;
    case H5T_STRING:
      return "string";
    default:
      return "a non-numeric type";
  }
}

bool has_attribute(hid_t object, const std::string& name) { return H5Aexists(object, name.c_str()) > 0; }

void write_attribute(hid_t object, const std::string& name, std::int64_t value) {
  const std::string where = "attribute '" + name + "'";
  if (has_attribute(object, name)) H5Adelete(object, name.c_str());
  const Handle space(check(H5Screate(H5S_SCALAR), "cannot create dataspace", where), H5Sclose);
  const Handle attr(
      check(H5Acreate2(object, name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
            "cannot create attribute", where),
      H5Aclose);
  check(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), "cannot write attribute", where);
}

void write_attribute(hid_t object, const std::string& name, const std::string& value) {
  const std::string where = "attribute '" + name + "'";
  if (has_attribute(object, name)) H5Adelete(object, name.c_str());
  const Handle type(check(H5Tcopy(H5T_C_S1), "cannot create string type", where), H5Tclose);
  H5Tset_size(type.get(), value.empty() ? 1 : value.size());
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  const Handle space(check(H5Screate(H5S_SCALAR), "cannot create dataspace", where), H5Sclose);
  const Handle attr(check(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                          "cannot create attribute", where),
                    H5Aclose);
  std::string padded = value;
  padded.resize(H5Tget_size(type.get()), '\0');
  check(H5Awrite(attr.get(), type.get(), padded.data()), "cannot write attribute", where);
}

std::int64_t read_int_attribute(hid_t object, const std::string& name, const std::string& where) {
  if (!has_attribute(object, name)) throw Error("missing attribute '" + name + "'", where);
  const Handle attr(
      check(H5Aopen(object, name.c_str(), H5P_DEFAULT), "cannot open attribute '" + name + "'", where),
      H5Aclose);
  const Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_INTEGER)
    throw Error("attribute '" + name + "' is not an integer", where);
  std::int64_t value = 0;
  check(H5Aread(attr.get(), H5T_NATIVE_INT64, &value), "cannot read attribute '" + name + "'", where);
  return value;
}

std::string read_string_attribute(hid_t object, const std::string& name, const std::string& where) {
  if (!has_attribute(object, name)) throw Error("missing attribute '" + name + "'", where);
  const Handle attr(
      check(H5Aopen(object, name.c_str(), H5P_DEFAULT), "cannot open attribute '" + name + "'", where),
      H5Aclose);
  const Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) throw Error("attribute '" + name + "' is not a string", where);
  if (H5Tis_variable_str(type.get()) > 0) {
    char* text = nullptr;
    const Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    // HDF5 converts no character sets: read in the one the file declares
    // (h5py, for one, writes variable-length UTF-8 by default).
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    check(H5Aread(attr.get(), mem.get(), &text), "cannot read attribute '" + name + "'", where);
    std::string value = text != nullptr ? text : "";
    H5free_memory(text);
    return value;
  }
  std::vector<char> buffer(H5Tget_size(type.get()) + 1, '\0');
  check(H5Aread(attr.get(), type.get(), buffer.data()), "cannot read attribute '" + name + "'", where);
  return std::string(buffer.data());
}

}  // namespace portrait::io::h5
