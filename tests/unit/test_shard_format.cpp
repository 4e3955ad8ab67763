// tests/unit/test_shard_format.cpp: shard write/read round trips and every
// validation error of ShardReader (each bad file is made by editing a good one
// with the raw HDF5 API, the way a faulty producer would).
#include <gtest/gtest.h>
#include <hdf5.h>

#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "io/schema.hpp"
#include "io/shard_reader.hpp"
#include "io/shard_writer.hpp"

namespace portrait::io {
namespace {

namespace fs = std::filesystem;

class ShardFormat : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("portrait_shard_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  static Table billing(std::size_t rows, std::int64_t first_id) {
    Table t = make_channel_table("billing");
    t.resize(rows);
    for (std::size_t i = 0; i < rows; ++i) {
      t.values<std::int64_t>("customer_id")[i] = first_id + static_cast<std::int64_t>(i);
      t.values<std::int32_t>("month")[i] = 202403;
      t.values<std::int64_t>("amount")[i] = 1000 * static_cast<std::int64_t>(i);
      t.values<std::int32_t>("voice_min_used")[i] = static_cast<std::int32_t>(i % 7);
      t.values<std::int64_t>("data_mb_used")[i] = missing<std::int64_t>();
      t.values<std::int64_t>("balance")[i] = -5;
      t.values<std::int8_t>("paid_on_time")[i] = static_cast<std::int8_t>(i % 2);
    }
    return t;
  }

  // A valid shard with a 100-row billing table, for the tests to damage.
  std::string good_shard() {
    const std::string path = file("good.h5");
    ShardWriter writer(path, {"test", "2024-03", 1, {}});
    writer.write(billing(100, 1));
    writer.close();
    return path;
  }

  // Runs `edit` on the open group /billing of `path`.
  template <class F>
  static void edit_billing(const std::string& path, F edit) {
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    const hid_t g = H5Gopen2(f, "billing", H5P_DEFAULT);
    ASSERT_GE(g, 0);
    edit(f, g);
    H5Gclose(g);
    H5Fclose(f);
  }

  // The message of the portrait::Error that opening `path` throws.
  static std::string open_error(const std::string& path) {
    try {
      ShardReader reader(path);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }

  fs::path dir_;
};

TEST_F(ShardFormat, RoundTripKeepsEveryValueAndExtraColumns) {
  const std::string path = file("a.h5");
  Table t = billing(1000, 7);
  t.add("discount", ColumnType::Float64);
  for (std::size_t i = 0; i < t.rows(); ++i) t.values<double>("discount")[i] = 0.5 * static_cast<double>(i);
  t.values<double>("discount")[3] = missing<double>();
  {
    ShardWriter writer(path, {"unit test", "2024-03", 0, {}});
    writer.write(t);
    writer.close();
  }
  ShardReader reader(path);
  ASSERT_EQ(reader.tables().size(), 1U);
  EXPECT_EQ(reader.tables()[0].channel, "billing");
  EXPECT_EQ(reader.tables()[0].rows, 1000U);
  EXPECT_EQ(reader.tables()[0].period, "2024-03");
  EXPECT_EQ(reader.tables()[0].file, path);
  EXPECT_GT(reader.tables()[0].bytes, 0U);
  EXPECT_EQ(reader.producer(), "unit test");

  Table out;
  reader.read("billing", 0, 1000, out);
  ASSERT_EQ(out.rows(), 1000U);
  for (const auto& name : t.column_names()) {
    ASSERT_TRUE(out.has(name)) << name;
    const auto a = t.column(name).bytes();
    const auto b = out.column(name).bytes();
    ASSERT_EQ(a.size(), b.size()) << name;
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin())) << name;
  }
  // A row range, reusing out's buffers.
  const void* before = out.column("amount").data();
  reader.read("billing", 10, 20, out);
  ASSERT_EQ(out.rows(), 10U);
  EXPECT_EQ(out.values<std::int64_t>("customer_id")[0], 17);
  EXPECT_EQ(out.values<std::int64_t>("amount")[9], 19000);
  EXPECT_EQ(out.column("amount").data(), before);
  reader.read("billing", 5, 5, out);
  EXPECT_EQ(out.rows(), 0U);
  EXPECT_THROW(reader.read("billing", 990, 1001, out), Error);
  EXPECT_THROW(reader.read("usage", 0, 1, out), Error);
}

TEST_F(ShardFormat, WritingAChannelAgainAppendsAndCompressionShrinks) {
  const std::string plain = file("plain.h5");
  const std::string packed = file("packed.h5");
  for (const auto& [path, level] : {std::pair{plain, 0}, std::pair{packed, 1}}) {
    ShardWriter writer(path, {"test", "2024-03", level, {}});
    writer.write(billing(70000, 1));
    writer.write(billing(30000, 70001));
    writer.write(billing(0, 1));
    writer.close();
  }
  ShardReader a(plain);
  ShardReader b(packed);
  ASSERT_EQ(a.tables()[0].rows, 100000U);
  ASSERT_EQ(b.tables()[0].rows, 100000U);
  EXPECT_LT(b.tables()[0].bytes * 3, a.tables()[0].bytes);
  Table out;
  b.read("billing", 69999, 70001, out);
  EXPECT_EQ(out.values<std::int64_t>("customer_id")[0], 70000);
  EXPECT_EQ(out.values<std::int64_t>("customer_id")[1], 70001);
}

TEST_F(ShardFormat, WriterRejectsTablesThatBreakTheSchema) {
  ShardWriter writer(file("w.h5"), {"test", "2024-03", 0, {}});
  Table unknown("bililng");
  unknown.add("customer_id", ColumnType::Int64);
  try {
    writer.write(unknown);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'billing'"), std::string::npos) << e.what();
  }
  Table t = billing(3, 1);
  Table wrong("billing");
  for (const auto& name : t.column_names()) {
    wrong.add(name, name == "amount" ? ColumnType::Float64 : t.column(name).type());
  }
  EXPECT_THROW(writer.write(wrong), Error);
  EXPECT_THROW(ShardWriter(file("p.h5"), {"test", "March", 0, {}}), Error);
}

// An export of several months says its first month; the reader gives the
// period itself as the first month of a shard that does not say, and
// refuses a first month after the period.
TEST_F(ShardFormat, FirstPeriodOfAnExportOfSeveralMonths) {
  {
    ShardWriter writer(file("q.h5"), {"test", "2024-03", 0, "2024-01"});
    writer.write(billing(3, 1));
    writer.close();
  }
  EXPECT_EQ(ShardReader(file("q.h5")).first_period(), "2024-01");
  EXPECT_EQ(ShardReader(file("q.h5")).tables().at(0).first_period, "2024-01");
  EXPECT_EQ(ShardReader(good_shard()).first_period(), "2024-03");
  EXPECT_THROW(ShardWriter(file("r.h5"), {"test", "2024-03", 0, "2024-04"}), Error);
}

TEST_F(ShardFormat, MissingRequiredColumnNamesFileTableAndColumn) {
  const std::string path = good_shard();
  edit_billing(path, [](hid_t, hid_t g) { H5Ldelete(g, "balance", H5P_DEFAULT); });
  const std::string message = open_error(path);
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("table 'billing'"), std::string::npos) << message;
  EXPECT_NE(message.find("missing required column 'balance'"), std::string::npos) << message;
}

TEST_F(ShardFormat, WrongColumnTypeIsReported) {
  const std::string path = good_shard();
  edit_billing(path, [](hid_t, hid_t g) {
    H5Ldelete(g, "amount", H5P_DEFAULT);
    const hsize_t n = 100;
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t d = H5Dcreate2(g, "amount", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d);
    H5Sclose(space);
  });
  const std::string message = open_error(path);
  EXPECT_NE(message.find("column 'amount'"), std::string::npos) << message;
  EXPECT_NE(message.find("stored as float32, expected int64"), std::string::npos) << message;
}

TEST_F(ShardFormat, ColumnsOfDifferentLengthsAreReported) {
  const std::string path = good_shard();
  edit_billing(path, [](hid_t, hid_t g) {
    const hid_t d = H5Dopen2(g, "month", H5P_DEFAULT);
    const hsize_t n = 99;
    H5Dset_extent(d, &n);
    H5Dclose(d);
  });
  const std::string message = open_error(path);
  EXPECT_NE(message.find("column 'month'"), std::string::npos) << message;
  EXPECT_NE(message.find("has 99 rows, the table has 100"), std::string::npos) << message;
}

TEST_F(ShardFormat, WrongFormatVersionIsReported) {
  const std::string path = good_shard();
  edit_billing(path, [](hid_t f, hid_t) {
    const std::int64_t v = 99;
    const hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT64, &v);
    H5Aclose(a);
  });
  const std::string message = open_error(path);
  EXPECT_NE(message.find("shard format version 99, this portrait reads version 1"), std::string::npos)
      << message;
}

TEST_F(ShardFormat, NotAnHdf5FileIsReported) {
  const std::string path = file("notes.h5");
  std::ofstream(path) << "customer_id,amount\n1,2\n";
  const std::string message = open_error(path);
  EXPECT_NE(message.find(path + ": not an HDF5 file"), std::string::npos) << message;
  EXPECT_NE(open_error(file("absent.h5")).find("no such shard file"), std::string::npos);
}

TEST_F(ShardFormat, TruncatedFileIsReported) {
  const std::string path = good_shard();
  fs::resize_file(path, fs::file_size(path) / 2);
  const std::string message = open_error(path);
  EXPECT_NE(message.find("truncated or damaged"), std::string::npos) << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;
}

TEST_F(ShardFormat, UnknownTableNameGetsAHint) {
  const std::string path = good_shard();
  edit_billing(path, [](hid_t f, hid_t) { H5Lmove(f, "billing", f, "biling", H5P_DEFAULT, H5P_DEFAULT); });
  const std::string message = open_error(path);
  EXPECT_NE(message.find("unknown channel 'biling'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'billing'"), std::string::npos) << message;
}

TEST(Schema, SevenChannelsWithCustomerIdFirst) {
  const auto& schemas = channel_schemas();
  ASSERT_EQ(schemas.size(), 7U);
  EXPECT_EQ(schemas[0].name, "customers");
  EXPECT_EQ(schemas[6].name, "identity");
  for (const auto& s : schemas) {
    EXPECT_EQ(s.columns.front().name, "customer_id") << s.name;
    EXPECT_EQ(s.columns.front().type, ColumnType::Int64) << s.name;
  }
  const Table usage = make_channel_table("usage");
  EXPECT_EQ(usage.name(), "usage");
  EXPECT_EQ(usage.column("peer").type(), ColumnType::UInt64);
  try {
    channel_schema("useage");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.hint(), "did you mean 'usage'?");
  }
}

}  // namespace
}  // namespace portrait::io
