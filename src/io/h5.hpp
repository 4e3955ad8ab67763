// src/io/h5.hpp: a thin layer over the HDF5 C API: owning handles, the
// mapping between ColumnType and HDF5 types, and attributes. HDF5's own error
// printing is switched off; every failure becomes a portrait::Error.
// Main thread only (this HDF5 build is not thread-safe).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <string>

#include "core/types.hpp"

namespace portrait::io::h5 {

// Owns one HDF5 identifier and closes it with the matching H5xclose.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept : id_(other.id_), closer_(other.closer_) { other.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();
  // Gives up ownership (for a close whose result the caller checks).
  hid_t release() {
    const hid_t id = id_;
    id_ = H5I_INVALID_HID;
    return id;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Switches off HDF5's printing of its error stack (idempotent; main thread).
void silence_errors();

// Throws portrait::Error(what, where, hint) when `id` or `status` is negative.
hid_t check(hid_t id, const std::string& what, const std::string& where, const std::string& hint = {});

Handle open_group(hid_t parent, const std::string& name, const std::string& where);
Handle open_dataset(hid_t parent, const std::string& name, const std::string& where);

// The native memory type of a column type, and the column type of a stored
// dataset type (nullopt when it is none of portrait's five).
hid_t native_type(ColumnType type);
std::optional<ColumnType> column_type_of_dataset(hid_t dataset);
// A human description of a stored type, for errors ("float32", "string").
std::string describe_type(hid_t dataset);

bool has_attribute(hid_t object, const std::string& name);
void write_attribute(hid_t object, const std::string& name, std::int64_t value);
void write_attribute(hid_t object, const std::string& name, const std::string& value);
std::int64_t read_int_attribute(hid_t object, const std::string& name, const std::string& where);
std::string read_string_attribute(hid_t object, const std::string& name, const std::string& where);

}  // namespace portrait::io::h5
